//go:build reliability

package reliability

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kafka-ometria/kafka-ometria/internal/itest"
)

// kafkaLocal returns the path of scripts/kafka-local when KAFKA_BROKERS is the broker it
// runs (on KAFKA_PORT); it skips the test otherwise.
func kafkaLocal(t *testing.T) string {
	t.Helper()
	needBroker(t)
	script, err := filepath.Abs(filepath.Join("..", "scripts", "kafka-local"))
	if err != nil {
		t.Fatal(err)
	}
	port := os.Getenv("KAFKA_PORT")
	if port == "" {
		port = "39092"
	}
	brokers := os.Getenv("KAFKA_BROKERS")
	if want := "127.0.0.1:" + port; brokers != want {
		t.Skipf("needs the broker of scripts/kafka-local (KAFKA_BROKERS=%s for KAFKA_PORT=%s) to restart it, not KAFKA_BROKERS=%s", want, port, brokers)
	}
	out, err := exec.Command(script, "status").Output()
	if err != nil || !strings.Contains(string(out), "KAFKA_BROKERS="+brokers) {
		t.Skipf("scripts/kafka-local status: the broker at %s is not its own (%v, %q)", brokers, err, out)
	}
	return script
}

// TestBrokerRestart stops the broker and starts it again on the same data
// (scripts/kafka-local restart) while kafka-ometria pushes and events keep arriving. The
// process must recover on its own: every record at the emulator, every invalid event
// dead-lettered, every offset committed at the end, no account over its rate. It
// measures the stall: the longest time without an accepted push around the restart.
func TestBrokerRestart(t *testing.T) {
	script := kafkaLocal(t)
	b := newBroker(t)
	seed := seedFor(t)
	const accounts, rate, events, invalidEvery = 8, 5, 30_000, 50
	s := newSetup(t, "restart", accounts, rate)
	emu := startEmulator(t, s.accounts, seed)
	s.ometriaURL = emu.url()
	b.createTopics(t, s.partitions, 0, s.events())
	c := newCorpus(t, s, events, invalidEvery)
	path := s.write(t)
	t0 := time.Now()
	// 1,000 events a second for 30 s: the restart comes in the middle.
	prod := c.produceIn(t, b, 500, 500*time.Millisecond)
	in := startPipeline(t, "kafka-ometria", path, s.keyEnv())
	itest.Eventually(t, 90*time.Second, "records at the emulator", func() bool { return emu.stored(t) >= 5000 })
	stopping := time.Now()
	// The broker's ports lie in the ephemeral range, where a client connection may hold
	// one for a moment: a start that fails is tried again.
	for try := 1; ; try++ {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		out, err := exec.CommandContext(ctx, script, "restart").CombinedOutput()
		cancel()
		if err == nil {
			break
		}
		if try == 3 {
			t.Fatalf("scripts/kafka-local restart: %v\n%s", err, out)
		}
		t.Logf("scripts/kafka-local restart, try %d: %v; trying again", try, err)
		time.Sleep(2 * time.Second)
	}
	back := time.Now()
	// What was done and not committed when the broker went away: the emulator's records
	// and the last commits before the stop, read before kafka-ometria commits again (its
	// groups take seconds to rejoin).
	outage := s.snapshot(t, b, emu)
	outage.n, outage.label = 1, "the broker restart"
	t.Logf("the broker was restarted in %v; %d of %d events produced", back.Sub(stopping).Round(100*time.Millisecond), prod.produced, len(c.events))
	prod.wait(t, 5*time.Minute)
	itest.Eventually(t, 5*time.Minute, "every record at the emulator and the offsets committed at the end", func() bool {
		if in.Exited() {
			t.Fatalf("kafka-ometria exited: %v\n%s", in.Err(), in.Tail(30))
		}
		return emu.stored(t) >= len(c.want) && b.atEnd(t, s.group("map"), s.events()) && b.atEnd(t, s.group("push"), s.records())
	})
	done := time.Now()
	parked := len(b.readAll(t, s.retryT()))
	if parked > 0 {
		itest.Eventually(t, 2*time.Minute, "the retry group at the end of the retry topic", func() bool { return b.atEnd(t, s.group("retry"), s.retryT()) })
	}
	in.signal(t, syscall.SIGTERM)
	if code := in.wait(40 * time.Second); code != 0 {
		t.Errorf("after SIGTERM: exit code %d\n%s", code, in.Tail(30))
	}
	errorLines := strings.Count(in.Out.String(), `"level":"error"`)

	end := emu.state(t, s.accounts)
	c.checkRecords(t, end)
	dlRecs := b.readAll(t, s.dlq())
	dlqDups := c.checkDeadLetters(t, dlRecs)
	c.checkSnapshots(t, []*killSnap{outage}, copies(b.readAll(t, s.records()), false), copies(dlRecs, true))
	bound := outage.pushedUncommitted + outage.remapped
	if pushedSince := outage.emu.acceptedBetween(back, outage.at); pushedSince > 0 {
		t.Logf("kafka-ometria pushed %d records between the broker's return and the snapshot: the bound is approximate", pushedSince)
	} else if end.duplicates() > bound {
		t.Errorf("%d duplicate pushes, more than the %d records done and not committed when the broker went away", end.duplicates(), bound)
	}
	emu.checkRates(t, s.accounts)

	gap, began := end.longestGap(stopping.Add(-time.Second), done)
	resumed := time.Duration(0)
	for _, r := range end.requests {
		if r.Status >= 200 && r.Status < 300 && r.Time.After(back) {
			resumed = r.Time.Sub(back)
			break
		}
	}
	figure(t, "%d events (%d records, %d dead letters) over %d accounts at %d requests/s; scripts/kafka-local restart (stop, then start on the same data) took %.1f s, %.0f s into the run",
		len(c.events), len(c.want), len(c.dead), accounts, rate, back.Sub(stopping).Seconds(), stopping.Sub(t0).Seconds())
	figure(t, "pushes stalled %.1f s (the longest time without an accepted push, from %.1f s after the stop began); the first accepted push %.1f s after the broker was back; every record in %.0f s after it was back",
		gap.Seconds(), began.Sub(stopping).Seconds(), resumed.Seconds(), done.Sub(back).Seconds())
	figure(t, "%d duplicate pushes (%.1f%% of the records; bound %d: when the broker went away %d records were pushed above the push group's last commit, of %d at the emulator, and %d records were of events above the map group's), %d dead letters written twice, %d records parked, %d error log lines, and the process never exited",
		end.duplicates(), 100*float64(end.duplicates())/float64(len(c.want)), bound, outage.pushedUncommitted, len(outage.emu.records), outage.remapped, dlqDups, parked, errorLines)
}
