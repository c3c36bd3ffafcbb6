//go:build reliability

package reliability

import (
	"fmt"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kafka-ometria/kafka-ometria/internal/itest"
	"github.com/kafka-ometria/kafka-ometria/ometriatest"
)

// TestChaos pushes through an emulator that fails about 20% of the pushes (dropped
// connections, 429, 5xx, and answers slower than kafka-ometria's ometria.timeout of 1 s),
// with two kafka-ometria processes in one group (the second joins mid-run: a rebalance
// under the storm). Nothing may be lost (every record at the emulator as the mapper makes
// it, every invalid event dead-lettered with its reason, nothing good dead-lettered,
// every offset committed), and no account may receive more pushes within any one second
// than its rate, failed pushes included.
func TestChaos(t *testing.T) {
	b := newBroker(t)
	seed := seedFor(t)
	const accounts, rate, events, invalidEvery = 16, 5, 32_000, 50
	s := newSetup(t, "chaos", accounts, rate)
	s.ometriaTimeout = time.Second
	emu := startEmulator(t, s.accounts, seed)
	s.ometriaURL = emu.url()
	// Drawn in this order: 4% dropped, then 6% 429, then 6% 5xx: 15.2% answered with a
	// failure; every answer comes 20 ms to 1.05 s late, and 4.8% of them after the 1 s
	// timeout: 19.3% of the pushes fail.
	faults := ometriatest.Faults{DropRate: 0.04, Rate429: 0.06, Rate5xx: 0.06, Latency: 20 * time.Millisecond, Jitter: 1030 * time.Millisecond}
	emu.setFaults(t, faults)
	b.createTopics(t, s.partitions, 0, s.events())
	c := newCorpus(t, s, events, invalidEvery)
	path := s.write(t)
	t0 := time.Now()
	prod := c.produceIn(t, b, 1000, 500*time.Millisecond)

	one := startPipeline(t, "kafka-ometria 1", path, s.keyEnv())
	itest.Eventually(t, 90*time.Second, "records at the emulator", func() bool { return emu.stored(t) >= 1000 })
	two := startPipeline(t, "kafka-ometria 2", path, s.keyEnv())
	joined := time.Since(t0)
	prod.wait(t, 3*time.Minute)
	itest.Eventually(t, 5*time.Minute, "every record at the emulator and the offsets committed at the end", func() bool {
		for _, in := range []*instance{one, two} {
			if in.Exited() {
				t.Fatalf("%s exited: %v\n%s", in.name, in.Err(), in.Tail(30))
			}
		}
		return emu.stored(t) >= len(c.want) && b.atEnd(t, s.group("map"), s.events()) && b.atEnd(t, s.group("push"), s.records())
	})
	took := time.Since(t0)
	parked := len(b.readAll(t, s.retryT()))
	if parked > 0 {
		itest.Eventually(t, 2*time.Minute, "the retry group at the end of the retry topic", func() bool { return b.atEnd(t, s.group("retry"), s.retryT()) })
	}
	// What the two processes saw (their counters start at 0 with them).
	var ss []sample
	for _, in := range []*instance{one, two} {
		ss = append(ss, samples(in.metrics(t))...)
	}
	emu.setFaults(t, ometriatest.Faults{})
	for _, in := range []*instance{one, two} {
		in.signal(t, syscall.SIGTERM)
	}
	for _, in := range []*instance{one, two} {
		if code := in.wait(40 * time.Second); code != 0 {
			t.Errorf("%s, after SIGTERM: exit code %d\n%s", in.name, code, in.Tail(30))
		}
	}

	end := emu.state(t, s.accounts)
	c.checkRecords(t, end)
	dlqDups := c.checkDeadLetters(t, b.readAll(t, s.dlq()))
	most := emu.checkRates(t, s.accounts)

	st := end.byStatus()
	failed := 0
	var statuses []string
	for code, n := range st {
		if code < 200 || code >= 300 {
			failed += n
		}
		statuses = append(statuses, fmt.Sprintf("%d: %d", code, n))
	}
	sort.Strings(statuses)
	timeouts := sum(ss, "kafka_ometria_push_retries_total", map[string]string{"reason": "timeout"})
	retries := map[string]float64{}
	for _, r := range []string{"429", "5xx", "timeout", "network"} {
		retries[r] = sum(ss, "kafka_ometria_push_retries_total", map[string]string{"reason": r})
	}
	maxRate := 0
	for _, m := range most {
		maxRate = max(maxRate, m)
	}
	total := len(end.requests)
	figure(t, "%d events (%d records, %d dead letters) over %d accounts at %d requests/s, two processes (the second joined after %.0f s): everything through in %.0f s",
		len(c.events), len(c.want), len(c.dead), accounts, rate, joined.Seconds(), took.Seconds())
	figure(t, "%d pushes arrived; by status at the emulator {%s} (0: connection dropped); %d answered with a failure and %.0f timed out at kafka-ometria: %.1f%% failed",
		total, strings.Join(statuses, ", "), failed, timeouts, 100*(float64(failed)+timeouts)/float64(total))
	figure(t, "retries by reason %v; %d records parked on the retry topic; %d duplicate pushes (%.1f%% of the records: pushes that timed out at kafka-ometria but that the emulator took, and what the rebalance handed over uncommitted); %d dead letters written twice; at most %d pushes within a second for an account (rate %d)",
		retries, parked, end.duplicates(), 100*float64(end.duplicates())/float64(len(c.want)), dlqDups, maxRate, rate)
	if failed+int(timeouts) < total/10 {
		t.Errorf("only %d of %d pushes failed: the storm did not happen, the suite proves nothing", failed+int(timeouts), total)
	}
}
