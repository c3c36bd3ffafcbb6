//go:build reliability

package reliability

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kafka-ometria/kafka-ometria/internal/itest"
	"github.com/kafka-ometria/kafka-ometria/ometriatest"
)

// TestSIGTERMUnderLoad sends SIGTERM to kafka-ometria three times while it pushes
// (Ometria answering in 50 to 350 ms, the third time in 2 to 3 s, so that the drain
// cannot finish every push) and events keep arriving, and restarts it each time. Each time it must exit 0 within
// the drain deadline (--drain-timeout 8s, plus the sink's 5 s), log that it stopped, and
// have committed only work that was done. At the end nothing is lost: every record at
// the emulator, every invalid event dead-lettered, the offsets committed at the end.
func TestSIGTERMUnderLoad(t *testing.T) {
	b := newBroker(t)
	seed := seedFor(t)
	rng := rand.New(rand.NewPCG(uint64(seed), 15))
	const accounts, rate, events, invalidEvery, stops = 12, 5, 40_000, 50, 3
	const drain, sinkClose = 8 * time.Second, 5 * time.Second
	s := newSetup(t, "sigterm", accounts, rate)
	// --drain-timeout is at most 2/3 of the session timeout.
	s.sessionTimeout = 15 * time.Second
	emu := startEmulator(t, s.accounts, seed)
	s.ometriaURL = emu.url()
	emu.setFaults(t, ometriatest.Faults{Latency: 50 * time.Millisecond, Jitter: 300 * time.Millisecond})
	b.createTopics(t, s.partitions, 0, s.events())
	c := newCorpus(t, s, events, invalidEvery)
	path := s.write(t)
	t0 := time.Now()
	// 2,000 events a second for 20 s.
	prod := c.produceIn(t, b, 1000, 500*time.Millisecond)
	args := []string{"--drain-timeout", drain.String()}

	var snaps []*killSnap
	var exits []time.Duration
	for k := 1; k <= stops; k++ {
		slow := k == stops
		if slow {
			emu.setFaults(t, ometriatest.Faults{Latency: 2 * time.Second, Jitter: time.Second})
		}
		in := startPipeline(t, fmt.Sprintf("kafka-ometria #%d", k), path, s.keyEnv(), args...)
		base := emu.stored(t)
		itest.Eventually(t, 90*time.Second, "records pushed after the start", func() bool {
			if in.Exited() {
				t.Fatalf("%s exited: %v\n%s", in.name, in.Err(), in.Tail(30))
			}
			return emu.stored(t) > base+300
		})
		time.Sleep(randDuration(rng, 200*time.Millisecond, 3*time.Second))
		inFlight := sumInFlight(in.metrics(t))
		in.signal(t, syscall.SIGTERM)
		at := time.Now()
		code := in.wait(drain + sinkClose + 30*time.Second)
		took := time.Since(at)
		exits = append(exits, took)
		if code != 0 {
			t.Errorf("SIGTERM %d: exit code %d after %v (-1: still running), want 0\n%s", k, code, took.Round(time.Millisecond), in.Tail(30))
		}
		// The deadline, plus a second for the process to end on this busy machine.
		if limit := drain + sinkClose + time.Second; took > limit {
			t.Errorf("SIGTERM %d: exited after %v, over the drain deadline of %v", k, took.Round(time.Millisecond), limit)
		}
		if !strings.Contains(in.Out.String(), `"msg":"kafka-ometria stopped"`) {
			t.Errorf("SIGTERM %d: no \"kafka-ometria stopped\" log line:\n%s", k, in.Tail(10))
		}
		snap := s.snapshot(t, b, emu)
		snap.n, snap.label, snap.at = k, fmt.Sprintf("SIGTERM %d", k), at
		snap.moment = fmt.Sprintf("%.0f messages in flight", inFlight)
		if slow {
			snap.moment += ", Ometria answering in 2 to 3 s"
			emu.setFaults(t, ometriatest.Faults{Latency: 50 * time.Millisecond, Jitter: 300 * time.Millisecond})
		}
		snaps = append(snaps, snap)
		t.Logf("SIGTERM %d at %v: exit %d after %v, %d records at the emulator, %d of %d events produced",
			k, at.Sub(t0).Round(100*time.Millisecond), code, took.Round(time.Millisecond), len(snap.emu.records), prod.produced, len(c.events))
	}

	last := startPipeline(t, "kafka-ometria (last)", path, s.keyEnv(), args...)
	prod.wait(t, 5*time.Minute)
	itest.Eventually(t, 5*time.Minute, "every record at the emulator and the offsets committed at the end", func() bool {
		if last.Exited() {
			t.Fatalf("%s exited: %v\n%s", last.name, last.Err(), last.Tail(30))
		}
		return emu.stored(t) >= len(c.want) && b.atEnd(t, s.group("map"), s.events()) && b.atEnd(t, s.group("push"), s.records())
	})
	finished := time.Since(t0)
	last.signal(t, syscall.SIGTERM)
	at := time.Now()
	if code := last.wait(drain + sinkClose + 30*time.Second); code != 0 {
		t.Errorf("the last process, idle, after SIGTERM: exit code %d\n%s", code, last.Tail(30))
	}
	idleExit := time.Since(at)

	end := emu.state(t, s.accounts)
	c.checkRecords(t, end)
	recs := copies(b.readAll(t, s.records()), false)
	dlRecs := b.readAll(t, s.dlq())
	dlqDups := c.checkDeadLetters(t, dlRecs)
	c.checkSnapshots(t, snaps, recs, copies(dlRecs, true))
	emu.checkRates(t, s.accounts)

	for i, sn := range snaps {
		figure(t, "SIGTERM %d (%s): exit 0 after %.1f s (deadline %v + %v); done and not committed at the exit: %d records pushed above the push group's commit, %d records of events above the map group's",
			sn.n, sn.moment, exits[i].Seconds(), drain, sinkClose, sn.pushedUncommitted, sn.remapped)
	}
	figure(t, "%d events (%d records, %d dead letters) over %d accounts at %d requests/s, %d SIGTERMs under load: everything through in %.0f s; %d duplicate pushes (%.2f%% of the records), %d dead letters written twice; the last process, idle, exited %.1f s after SIGTERM",
		len(c.events), len(c.want), len(c.dead), accounts, rate, stops, finished.Seconds(), end.duplicates(), 100*float64(end.duplicates())/float64(len(c.want)), dlqDups, idleExit.Seconds())
}

// sumInFlight is the sum of kafka_ometria_in_flight over the stages.
func sumInFlight(metrics string) float64 {
	return sum(samples(metrics), "kafka_ometria_in_flight", nil)
}
