package integration_test

import (
	"testing"
	"time"

	"github.com/kafka-ometria/kafka-ometria/internal/itest"
	"github.com/kafka-ometria/kafka-ometria/processor"
)

// TestStopAndRestart stops the pipeline when about a third of the records are at the
// emulator and starts it again in the same consumer groups: what the first run committed
// must be at the emulator, and after the second run every record is, nothing good is
// dead-lettered and every offset is committed.
func TestStopAndRestart(t *testing.T) {
	e := newEnv(t, 20)
	values, bad := sampleEvents(900)
	want := expected(t, values)
	e.produce(t, values...)
	// 20 pushes/s of 10 records, and at most 100 messages in flight per partition: the
	// records take seconds to push, and a stop drains only the window in flight.
	tune := func(o *processor.Options) {
		o.Sink.BatchSize = 10
		o.Group.PartitionUnfinished, o.Group.PartitionWindow = 100, 100
	}
	stop := e.runWith(t, tune)
	itest.Eventually(t, 60*time.Second, "a third of the records at the emulator", func() bool {
		n, _ := e.atEmulator(t, want)
		return n >= len(want)/3
	})
	t0 := time.Now()
	stop()
	took := time.Since(t0)
	n, wrong := e.atEmulator(t, want)
	pushed := e.checkCommittedPushed(t)
	t.Logf("first run stopped in %v: %d of %d records at the emulator, %d committed by the push group", took.Round(time.Millisecond), n, len(want), pushed)
	if len(wrong) > 0 {
		t.Fatalf("records differ from the mapper's: %v", wrong)
	}
	if n == len(want) {
		t.Fatal("every record was pushed before the stop: the restart proves nothing")
	}

	stop = e.runWith(t, tune)
	e.waitAll(t, 60*time.Second, "acme", want)
	itest.Eventually(t, 30*time.Second, "offsets committed at the end of the events and records topics", func() bool {
		return e.committedAtEnd(t, e.mapGroup(), e.cfg.Topics.Events[0]) && e.committedAtEnd(t, e.pushGroup(), e.cfg.Topics.Records)
	})
	stop()
	if r := e.readAll(t, e.cfg.Topics.Retry); len(r) > 0 {
		t.Errorf("%d records parked on the retry topic; nothing failed", len(r))
	}
	e.checkDeadLetters(t, values, bad, false)
}
