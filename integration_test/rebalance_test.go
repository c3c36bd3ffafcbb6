package integration_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kafka-ometria/kafka-ometria/internal/itest"
	"github.com/kafka-ometria/kafka-ometria/mapper"
	"github.com/kafka-ometria/kafka-ometria/processor"
)

// TestTwoProcessesRebalance runs two pipelines in the same consumer groups: the second
// starts while the first is pushing, and the first stops while the second pushes. Every
// record must arrive, and no account may ever exceed its request rate at the emulator,
// rebalance handovers included (the design's invariant 3).
func TestTwoProcessesRebalance(t *testing.T) {
	const rate = 20
	e := newEnv(t, rate)
	values, bad := sampleEvents(1200)
	msgs, acmeValues, betaValues := alternate(values, "acme", "beta")
	e.produceMsgs(t, msgs)
	wantAcme := expected(t, acmeValues)
	wantBeta := expectedFor(t, mapper.Settings{Name: "beta"}, betaValues)
	total := len(wantAcme) + len(wantBeta)
	at := func() int {
		a, _ := e.atAccount("acme", wantAcme)
		b, _ := e.atAccount("beta", wantBeta)
		return a + b
	}
	// Pushes of 5 records at 20/s per account: seconds of work to hand over. At most 50
	// messages in flight per partition, so that a rebalance hands over real work.
	tune := func(o *processor.Options) {
		o.Sink.BatchSize = 5
		o.Group.PartitionUnfinished, o.Group.PartitionWindow = 50, 50
		o.Group.HeartbeatInterval = 500 * time.Millisecond
	}

	stop1 := e.runWith(t, tune)
	itest.Eventually(t, 60*time.Second, "a quarter of the records at the emulator", func() bool { return at() >= total/4 })
	t.Logf("%d of %d records at the emulator: starting the second process", at(), total)
	stop2 := e.runWith(t, tune)
	itest.Eventually(t, 60*time.Second, "60% of the records at the emulator", func() bool { return at() >= total*6/10 })
	t.Logf("%d of %d records at the emulator: stopping the first process", at(), total)
	stop1()
	if at() == total {
		t.Fatal("every record was pushed before the first process stopped: the test proves nothing")
	}

	e.waitAll(t, 60*time.Second, "acme", wantAcme)
	e.waitAll(t, 60*time.Second, "beta", wantBeta)
	itest.Eventually(t, 30*time.Second, "offsets committed at the end of the events and records topics", func() bool {
		return e.committedAtEnd(t, e.mapGroup(), e.cfg.Topics.Events[0]) && e.committedAtEnd(t, e.pushGroup(), e.cfg.Topics.Records)
	})
	stop2()

	e.checkDeadLetters(t, values, bad, false)

	var over []string
	for _, a := range []string{"acme", "beta"} {
		reqs := e.emu.Requests(a)
		statuses := map[int]int{}
		for _, r := range reqs {
			statuses[r.Status]++
		}
		most := e.emu.MaxRequestsPerSecond(a)
		t.Logf("%s: %d pushes (by status %v), at most %d within a second", a, len(reqs), statuses, most)
		if most > rate {
			over = append(over, fmt.Sprintf("%s: %d pushes arrived within one second; its rate is %d/s (pushes by status %v)", a, most, rate, statuses))
		}
	}
	if len(over) > 0 {
		// The new owner of a partition starts with a full token bucket while the old
		// owner's last pushes are less than a second old: see TestHandoverKeepsRate.
		t.Fatalf("a rebalance handover exceeded the account rate:\n%s", strings.Join(over, "\n"))
	}
}
