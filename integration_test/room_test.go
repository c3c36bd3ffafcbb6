package integration_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/kafka-ometria/kafka-ometria/internal/itest"
	"github.com/kafka-ometria/kafka-ometria/ometriatest"
)

// A backlog of records waiting for an account's rate limit holds the push stage's room;
// the map stage keeps its own, so events go on being mapped (their records wait on the
// records topic, not in memory) at full speed rather than a message at a time.
func TestMapStageKeepsMappingWhileRecordsWaitForTheRateLimit(t *testing.T) {
	e := newEnv(t, 0.1) // one push every 10 s
	e.cfg.Kafka.MaxUnfinished, e.cfg.Kafka.PartitionUnfinished = 40, 40
	e.run(t)
	event := func(i int) string {
		return fmt.Sprintf(`{"type":"identify","userId":"u%d","traits":{"listingId":"l%d","email":"u%d@example.com"}}`, i, i, i)
	}
	// First a backlog, until the push stage holds records waiting for the next token.
	const first, n = 100, 500
	var values []string
	for i := range first {
		values = append(values, event(i))
	}
	e.produce(t, values...)
	for deadline := time.Now().Add(60 * time.Second); len(e.emu.Records("acme")) == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("nothing pushed within 60 s")
		}
	}
	values = values[:0]
	for i := first; i < n; i++ {
		values = append(values, event(i))
	}
	e.produce(t, values...)
	deadline := time.Now().Add(8 * time.Second) // the next push is due 10 s after the first
	for {
		got := e.topicEnd(t, e.cfg.Topics.Records)
		if got >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events mapped 8 s after they were produced, %d records pushed: the push stage's backlog held the map stage back",
				got, n, len(e.emu.Records("acme")))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if pushed := len(e.emu.Records("acme")); pushed >= n {
		t.Fatalf("all %d records pushed already: the rate limit did not hold a backlog, so the test shows nothing", pushed)
	}
}

// topicEnd returns the sum of topic's partitions' end offsets.
func (e *env) topicEnd(t *testing.T, topic string) int64 {
	t.Helper()
	var sum int64
	for _, end := range e.endOffsets(t, topic) {
		sum += end
	}
	return sum
}

// Records parked for later (beta's key is refused, its first retry is due in 10 minutes)
// wait in the retry stage, each holding a place in memory; they must not take the push
// stage's: acme's records go on being pushed while beta's wait.
func TestParkedRecordsLeaveThePushStageRoom(t *testing.T) {
	e := newEnv(t, 0)
	e.cfg.Kafka.MaxUnfinished, e.cfg.Kafka.PartitionUnfinished = 40, 40
	e.cfg.Retry.InitialDelay, e.cfg.Retry.MaxDelay, e.cfg.Retry.MaxAttempts = 10*time.Minute, time.Hour, 30
	e.emu.SetFaults(ometriatest.Faults{Forbidden: []string{"beta"}})
	e.run(t)
	event := func(i int) string {
		return fmt.Sprintf(`{"type":"identify","userId":"u%d","traits":{"listingId":"l%d","email":"u%d@example.com"}}`, i, i, i)
	}
	const parked, n = 60, 50
	var beta []string
	for i := range parked {
		beta = append(beta, event(i))
	}
	e.produceMsgs(t, routed(beta, func(int) string { return "beta" }))
	itest.Eventually(t, 60*time.Second, fmt.Sprintf("%d records of beta parked (fewer: the records waiting in the retry stage took the push stage's room)", parked), func() bool {
		return e.topicEnd(t, e.cfg.Topics.Retry) >= parked
	})
	var acme []string
	for i := parked; i < parked+n; i++ {
		acme = append(acme, event(i))
	}
	e.produce(t, acme...)
	deadline := time.Now().Add(20 * time.Second)
	for len(e.emu.Records("acme")) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of acme's %d records pushed 20 s after they were produced, while %d of beta's wait on the retry topic: the waiting records took the push stage's room",
				len(e.emu.Records("acme")), n, parked)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
