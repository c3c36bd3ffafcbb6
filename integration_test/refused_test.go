package integration_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/internal/itest"
	"github.com/kafka-ometria/kafka-ometria/mapper"
	"github.com/kafka-ometria/kafka-ometria/ometriatest"
	"github.com/kafka-ometria/kafka-ometria/processor"
)

// TestRefusedKeyParksThenRecovers: Ometria refuses beta's key (403). acme's records must
// flow meanwhile; beta's are parked on the retry topic (never dead-lettered: the data is
// good); once the key works again, the retry stage pushes every one of them.
func TestRefusedKeyParksThenRecovers(t *testing.T) {
	e := newEnv(t, 0)
	// The sink probes a refused key again after 300ms, doubling up to 4.8s; the retry stage
	// retries after 200ms, doubling up to 1s. Five attempts (about 3.4s) could be spent
	// before the sink probes the fixed key: give beta's records room to wait for it.
	e.cfg.Retry.MaxAttempts = 30
	e.emu.SetFaults(ometriatest.Faults{Forbidden: []string{"beta"}})

	values, bad := sampleEvents(400)
	// beta's events name it in the routing header; acme's have none (the default account).
	msgs, acmeValues, betaValues := alternate(values, "", "beta")
	e.produceMsgs(t, msgs)
	wantAcme := expected(t, acmeValues)
	wantBeta := expectedFor(t, mapper.Settings{Name: "beta"}, betaValues)
	stop := e.run(t)

	e.waitAll(t, 60*time.Second, "acme", wantAcme)
	if n := len(e.emu.Records("beta")); n > 0 {
		t.Fatalf("the emulator holds %d records of beta, whose key it refuses", n)
	}
	// beta's partition may be read after acme's (a real broker spreads the work over
	// time): wait for its first refused push rather than expect it already.
	itest.Eventually(t, 30*time.Second, "a push of beta refused (else the test proves nothing)", func() bool {
		for _, r := range e.emu.Requests("beta") {
			if r.Status == 403 {
				return true
			}
		}
		return false
	})

	// Every beta record is parked on the retry topic, as it was mapped, with its attempt,
	// next attempt and reason; no acme record is.
	parked := map[string]int64{}
	itest.Eventually(t, 30*time.Second, "every record of beta parked on the retry topic", func() bool {
		for _, m := range e.readAll(t, e.cfg.Topics.Retry) {
			hs := headers(m)
			id := hs[processor.HeaderRecordType] + "/" + hs[processor.HeaderRecordID]
			w, ok := wantBeta[id]
			if string(m.Key) != "beta" || !ok {
				t.Fatalf("parked record %s of account %q (headers %v): only beta's records should be parked", id, m.Key, hs)
			}
			if !sameJSON(m.Value, w) {
				t.Fatalf("parked record %s is %s, want it as mapped: %s", id, m.Value, w)
			}
			attempt, err := strconv.ParseInt(hs[processor.HeaderAttempt], 10, 64)
			next, errNext := time.Parse(time.RFC3339, hs[processor.HeaderNextAttempt])
			last, errLast := time.Parse(time.RFC3339, hs[processor.HeaderLastFailed])
			if err != nil || attempt < 1 || errNext != nil || errLast != nil || !next.After(last) ||
				hs[processor.HeaderReason] != "account_unavailable" || hs[processor.HeaderAccount] != "beta" ||
				hs[processor.HeaderFirstFailed] == "" || hs[processor.HeaderMessage] == "" ||
				(attempt == 1) != (hs[processor.HeaderStage] == string(config.StagePush)) {
				t.Fatalf("parked record %s has headers %v", id, hs)
			}
			parked[id] = max(parked[id], attempt)
		}
		return len(parked) == len(wantBeta)
	})
	maxAttempt := int64(0)
	for _, a := range parked {
		maxAttempt = max(maxAttempt, a)
	}
	refused := 0
	for _, r := range e.emu.Requests("beta") {
		if r.Status == 403 {
			refused++
		}
	}
	t.Logf("%d pushes of beta refused, %d records parked, up to attempt %d", refused, len(parked), maxAttempt)

	// The key is fixed: the retry stage pushes beta's records.
	e.emu.SetFaults(ometriatest.Faults{})
	e.waitAll(t, 60*time.Second, "beta", wantBeta)
	itest.Eventually(t, 30*time.Second, "offsets committed at the end of the events, records and retry topics", func() bool {
		return e.committedAtEnd(t, e.mapGroup(), e.cfg.Topics.Events[0]) &&
			e.committedAtEnd(t, e.pushGroup(), e.cfg.Topics.Records) &&
			e.committedAtEnd(t, e.retryGroup(), e.cfg.Topics.Retry)
	})
	stop()
	e.checkDeadLetters(t, values, bad, false)
}
