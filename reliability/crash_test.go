//go:build reliability

package reliability

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/kafka-ometria/kafka-ometria/internal/itest"
)

// seedFor returns RELIABILITY_SEED, or a seed from the clock; the suite logs it, so that
// a failing run's random choices can be made again.
func seedFor(t *testing.T) int64 {
	t.Helper()
	seed := time.Now().UnixNano() % 1e9
	if s := os.Getenv("RELIABILITY_SEED"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("RELIABILITY_SEED=%q: %v", s, err)
		}
		seed = v
	}
	t.Logf("seed %d (RELIABILITY_SEED=%d makes the same random choices)", seed, seed)
	return seed
}

func randDuration(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(rng.Int64N(int64(hi-lo)+1))
}

// TestCrash kills kafka-ometria with SIGKILL at random moments, six times, while events
// keep arriving (about 100,000 realistic events over 24 accounts, 1 in 40 invalid), and
// restarts it each time. At the end every valid event's record is at the emulator exactly
// as the mapper makes it, every invalid event is in the dead-letter topic with its reason,
// every offset is committed at the end of its topic, and no account went over its rate.
// At each kill, nothing the stages had committed was missing (the push group's commit
// covers only records at the emulator, the map group's only events whose records and dead
// letters were written), and the duplicates pushed after the restarts stay within what was
// done and not yet committed at the kills.
func TestCrash(t *testing.T) {
	b := newBroker(t)
	seed := seedFor(t)
	rng := rand.New(rand.NewPCG(uint64(seed), 13))
	const accounts, rate, events, invalidEvery, kills = 24, 5, 102_000, 40, 6
	s := newSetup(t, "crash", accounts, rate)
	emu := startEmulator(t, s.accounts, seed)
	s.ometriaURL = emu.url()
	b.createTopics(t, s.partitions, 0, s.events())
	c := newCorpus(t, s, events, invalidEvery)
	path := s.write(t)
	t0 := time.Now()
	// About 1,700 events a second for a minute, so that the kills come while the map stage
	// has events to read and the push stage records to push.
	prod := c.produceIn(t, b, 850, 500*time.Millisecond)

	var snaps []*killSnap
	// How long the stages stall after a kill: from the kill until their groups commit again.
	since, sinceName := t0, "the suite's start"
	for k := 1; k <= kills; k++ {
		in := startPipeline(t, fmt.Sprintf("kafka-ometria #%d", k), path, s.keyEnv())
		watch := s.watchProgress(t, b, since, "map", "push")
		base := emu.stored(t)
		var moment string
		var recovered time.Duration
		if rng.IntN(3) == 0 {
			d := randDuration(rng, 0, 4*time.Second)
			time.Sleep(d)
			moment = fmt.Sprintf("%.1f s after the start (joining the group)", d.Seconds())
		} else {
			itest.Eventually(t, 90*time.Second, "records pushed after the restart", func() bool {
				if in.Exited() {
					t.Fatalf("%s exited: %v\n%s", in.name, in.Err(), in.Tail(30))
				}
				return emu.stored(t) > base
			})
			recovered = time.Since(in.started)
			d := randDuration(rng, 200*time.Millisecond, 4*time.Second)
			time.Sleep(d)
			moment = fmt.Sprintf("%.1f s after pushing resumed", d.Seconds())
		}
		if in.Exited() {
			t.Fatalf("%s exited by itself: %v\n%s", in.name, in.Err(), in.Tail(30))
		}
		in.signal(t, syscall.SIGKILL)
		at := time.Now()
		resumed := watch.end(sinceName)
		since, sinceName = at, fmt.Sprintf("kill %d", k)
		in.wait(10 * time.Second)
		time.Sleep(500 * time.Millisecond) // what the broker and the emulator still had in hand
		snap := s.snapshot(t, b, emu)
		snap.n, snap.label, snap.at, snap.moment, snap.recovered = k, fmt.Sprintf("kill %d", k), at, moment, recovered
		snap.resumed = resumed
		snap.oneInterval = snap.emu.acceptedBetween(at.Add(-s.commitInterval), at)
		snaps = append(snaps, snap)
		t.Logf("kill %d at %v, %s: %d records at the emulator, %d of %d events produced",
			k, at.Sub(t0).Round(100*time.Millisecond), moment, len(snap.emu.records), prod.produced, len(c.events))
	}

	last := startPipeline(t, "kafka-ometria (last)", path, s.keyEnv())
	restarted := time.Now()
	lastWatch := s.watchProgress(t, b, since, "map", "push")
	prod.wait(t, 5*time.Minute)
	itest.Eventually(t, 5*time.Minute, "every record at the emulator and the offsets committed at the end", func() bool {
		if last.Exited() {
			t.Fatalf("%s exited: %v\n%s", last.name, last.Err(), last.Tail(30))
		}
		return emu.stored(t) >= len(c.want) && b.atEnd(t, s.group("map"), s.events()) && b.atEnd(t, s.group("push"), s.records())
	})
	finished := time.Now()
	lastResumed := lastWatch.end(sinceName)
	last.signal(t, syscall.SIGTERM)
	if code := last.wait(40 * time.Second); code != 0 {
		t.Errorf("the last process, after SIGTERM: exit code %d\n%s", code, last.Tail(30))
	}

	end := emu.state(t, s.accounts)
	c.checkRecords(t, end)
	recs := copies(b.readAll(t, s.records()), false)
	dlRecs := b.readAll(t, s.dlq())
	dls := copies(dlRecs, true)
	dlqDups := c.checkDeadLetters(t, dlRecs)
	parked := len(b.readAll(t, s.retryT()))
	if parked > 0 {
		t.Logf("%d records were parked on the retry topic", parked)
		if !b.atEnd(t, s.group("retry"), s.retryT()) {
			t.Errorf("the retry group did not commit the end of the retry topic")
		}
	}
	most := emu.checkRates(t, s.accounts)

	// At each kill: what the stages had committed was done, and what was done but not
	// committed (pushed again after the restart).
	c.checkSnapshots(t, snaps, recs, dls)

	// Duplicates: a kill repeats what was done after the last commit. What the emulator had
	// accepted twice by the time of a kill can only come from the kills before it, so at
	// each kill (and at the end) the duplicates so far must stay within the work done and
	// not committed at the kills before. A restarted process that is killed in turn leaves
	// some of that work to the next one: the duplicates of one run are not all its kill's.
	bound, prev := 0, 0
	for i, sn := range snaps {
		next, nextName := end, "the end"
		if i+1 < len(snaps) {
			next, nextName = snaps[i+1].emu, fmt.Sprintf("kill %d", sn.n+1)
		}
		bound += sn.pushedUncommitted + sn.remapped
		if next.duplicates() > bound {
			t.Errorf("by %s: %d duplicates at the emulator, more than the %d records done and not committed at kills 1 to %d",
				nextName, next.duplicates(), bound, sn.n)
		}
		rec := "records not flowing yet"
		if sn.recovered > 0 {
			rec = fmt.Sprintf("records flowing %.1f s after its start", sn.recovered.Seconds())
		}
		rec += "; " + sn.resumed
		figure(t, "kill %d (%s; %s): done and not committed %d = %d pushed since the push group's commit + %d records of events mapped since the map group's (one commit_interval, %v, of pushing before the kill: %d records); duplicate pushes from then to %s: %d (in all %d, bound %d); %d dead letters of events mapped since the map group's commit",
			sn.n, sn.moment, rec, sn.pushedUncommitted+sn.remapped, sn.pushedUncommitted, sn.remapped, s.commitInterval, sn.oneInterval,
			nextName, next.duplicates()-prev, next.duplicates(), bound, sn.remappedDLQ)
		prev = next.duplicates()
	}
	if d := snaps[0].emu.duplicates(); d != 0 {
		t.Errorf("%d duplicates before the first kill, with nothing to repeat", d)
	}
	dlqBound := 0
	for _, sn := range snaps {
		dlqBound += sn.remappedDLQ
	}
	if dlqDups > dlqBound {
		t.Errorf("%d dead letters written twice, more than the %d dead letters of events mapped after the map group's commit at the kills", dlqDups, dlqBound)
	}
	maxRate := 0
	for _, m := range most {
		maxRate = max(maxRate, m)
	}
	figure(t, "%d events (%d records, %d dead letters by reason %v) over %d accounts at %d requests/s, %d SIGKILLs; everything through %.0f s after the first event was produced, %.0f s after the last restart (%s), the last event produced after %.0f s",
		len(c.events), len(c.want), len(c.dead), c.reasons, accounts, rate, len(snaps), finished.Sub(t0).Seconds(), finished.Sub(restarted).Seconds(), lastResumed, prod.finished.Sub(t0).Seconds())
	figure(t, "%d duplicate pushes in all (%.2f%% of the records; bound %d), %d records parked, %d pushes, at most %d a second for an account (rate %d); %d dead letters written twice (bound %d)",
		end.duplicates(), 100*float64(end.duplicates())/float64(len(c.want)), bound, parked, len(end.requests), maxRate, rate, dlqDups, dlqBound)
}
