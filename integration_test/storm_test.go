package integration_test

import (
	"testing"
	"time"

	"github.com/kafka-ometria/kafka-ometria/internal/itest"
	"github.com/kafka-ometria/kafka-ometria/ometriatest"
	"github.com/kafka-ometria/kafka-ometria/processor"
)

// TestStormLosesNothing pushes through an emulator that answers 429 to 30% of the pushes,
// 5xx to 20% of the rest and drops 5% of the connections: every record must still
// arrive exactly as mapped, nothing good is dead-lettered, and every offset is committed.
func TestStormLosesNothing(t *testing.T) {
	e := newEnv(t, 0)
	e.emu.SetFaults(ometriatest.Faults{Rate429: 0.3, Rate5xx: 0.2, DropRate: 0.05})
	values, bad := sampleEvents(600)
	want := expected(t, values)
	e.produce(t, values...)
	// Small batches: many pushes, so the storm hits many of them.
	stop := e.runWith(t, func(o *processor.Options) { o.Sink.BatchSize = 5 })

	e.waitAll(t, 60*time.Second, "acme", want)
	itest.Eventually(t, 30*time.Second, "offsets committed at the end of the events and records topics", func() bool {
		return e.committedAtEnd(t, e.mapGroup(), e.cfg.Topics.Events[0]) && e.committedAtEnd(t, e.pushGroup(), e.cfg.Topics.Records)
	})
	// A push whose retry budget is spent is parked: the retry stage must have finished it too.
	if len(e.readAll(t, e.cfg.Topics.Retry)) > 0 {
		itest.Eventually(t, 30*time.Second, "retry topic offsets committed at the end", func() bool {
			return e.committedAtEnd(t, e.retryGroup(), e.cfg.Topics.Retry)
		})
	}
	stop()

	statuses := map[int]int{}
	for _, r := range e.emu.Requests("acme") {
		statuses[r.Status]++
	}
	faults := statuses[429] + statuses[500] + statuses[502] + statuses[503] + statuses[0]
	t.Logf("pushes by status: %v (status 0: dropped connection)", statuses)
	if statuses[429] == 0 || statuses[500]+statuses[502]+statuses[503] == 0 || statuses[0] == 0 || faults < 40 {
		t.Fatalf("the storm did not happen (pushes by status: %v): the test proves nothing", statuses)
	}
	e.checkDeadLetters(t, values, bad, false)
}
