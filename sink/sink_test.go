package sink_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/kafka-ometria/kafka-ometria/ometriatest"
	"github.com/kafka-ometria/kafka-ometria/sink"
)

const fast = 1000 // requests/s: rate limits out of the way

func TestBatchesPerAccountAndType(t *testing.T) {
	srv, s := setup(t, ometriatest.Config{}, sink.Config{Linger: 50 * time.Millisecond}, fast, "acme", "beta")
	f := newFates()
	// Interleaved types: a naive batcher would flush at every change of type.
	for i := 0; i < 250; i++ {
		write(t, s, f.record("acme", "contact", fmt.Sprint("c", i), contact(fmt.Sprint("c", i))))
		if i < 120 {
			write(t, s, f.record("acme", "order", fmt.Sprint("o", i), order(fmt.Sprint("o", i))))
		}
		if i < 30 {
			write(t, s, f.record("beta", "custom_event", fmt.Sprint("e", i), customEvent(fmt.Sprint("e", i))))
		}
	}
	f.wait(t, 10*time.Second)
	if ok, failed := f.count(); ok != 400 || failed != 0 {
		t.Fatalf("%d accepted, %d failed; want 400, 0", ok, failed)
	}
	sizes := map[string][]int{}
	for _, acct := range []string{"acme", "beta"} {
		for _, r := range srv.Requests(acct) {
			if r.Status != 200 {
				t.Fatalf("a push answered %d", r.Status)
			}
			sizes[acct+"/"+r.Type] = append(sizes[acct+"/"+r.Type], r.Records)
		}
	}
	for k := range sizes {
		sort.Sort(sort.Reverse(sort.IntSlice(sizes[k])))
	}
	want := map[string][]int{"acme/contact": {100, 100, 50}, "acme/order": {100, 20}, "beta/custom_event": {30}}
	if fmt.Sprint(sizes) != fmt.Sprint(want) {
		t.Fatalf("push sizes = %v, want %v", sizes, want)
	}
	if n := len(srv.Records("acme")); n != 370 {
		t.Fatalf("the emulator holds %d acme records, want 370", n)
	}
}

func TestOrderWithinAnAccount(t *testing.T) {
	srv, s := setup(t, ometriatest.Config{}, sink.Config{BatchSize: 10, Linger: 20 * time.Millisecond}, fast, "acme")
	f := newFates()
	// 95 versions of one contact, in 10 pushes: the stored one must be the last.
	for i := 0; i < 95; i++ {
		r := f.record("acme", "contact", fmt.Sprint("v", i), fmt.Sprintf(`{"@type":"contact","id":"same","email":"a@example.com","firstname":"v%d"}`, i))
		write(t, s, r)
	}
	f.wait(t, 10*time.Second)
	got, ok := srv.Record("acme", "contact", "", "same")
	if !ok || !strings.Contains(string(got), `"v94"`) {
		t.Fatalf("stored %s, want the last version v94", got)
	}
}

func TestRateNeverExceededWithManyAccounts(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 accounts for about two seconds: not in -short")
	}
	names := make([]string, 1000)
	for i := range names {
		names[i] = fmt.Sprintf("a%04d", i)
	}
	// The check below is the strict one: arrivals within any window shorter than a
	// second, whatever the answer.
	srv, s := setup(t, ometriatest.Config{}, sink.Config{BatchSize: 10, Linger: 300 * time.Millisecond}, 4, names...)
	f := newFates()
	for i := 0; i < 60; i++ { // 6 pushes per account: over a second at 4/s
		for _, n := range names {
			id := fmt.Sprint("c", i)
			write(t, s, f.record(n, "contact", id, contact(id)))
		}
	}
	f.wait(t, 60*time.Second)
	if ok, failed := f.count(); failed != 0 {
		t.Fatalf("%d accepted, %d failed", ok, failed)
	}
	throttled := 0
	for _, n := range names {
		if m := srv.MaxRequestsPerSecond(n); m > 4 {
			t.Fatalf("account %s saw %d requests within one second, over its rate of 4", n, m)
		}
		for _, r := range srv.Requests(n) {
			if r.Status == 429 {
				throttled++
			}
		}
	}
	t.Logf("%d of the pushes answered 429", throttled)
}

func TestRetryAfterHonoured(t *testing.T) {
	// Ometria allows 1 request/s; the sink is told 50/s: the emulator answers 429 with
	// Retry-After: 1, and the sink must wait that second rather than its 10 ms backoff.
	srv := ometriatest.NewServer(ometriatest.Config{RetryAfter: true}, ometriatest.Account{Name: "acme", Key: "k", RateLimit: 1})
	defer srv.Close()
	s, err := sink.New(sink.Config{BaseURL: srv.URL(), BatchSize: 1, Linger: time.Millisecond, RetryInitial: 10 * time.Millisecond, MaxAttempts: 20},
		func(string) (sink.Account, bool) { return sink.Account{Key: "k", Rate: 50}, true })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	f := newFates()
	write(t, s, f.record("acme", "contact", "a", contact("a")), f.record("acme", "contact", "b", contact("b")))
	f.wait(t, 10*time.Second)
	if ok, _ := f.count(); ok != 2 {
		t.Fatalf("%d accepted, want 2", ok)
	}
	reqs := srv.Requests("acme")
	var throttled int
	for i, r := range reqs {
		if r.Status != 429 {
			continue
		}
		throttled++
		if i+1 < len(reqs) {
			if gap := reqs[i+1].Time.Sub(r.Time); gap < 900*time.Millisecond {
				t.Fatalf("retried %v after a 429 with Retry-After: 1", gap)
			}
		}
	}
	if throttled == 0 || throttled > 2 {
		t.Fatalf("%d requests throttled, want 1 or 2 (requests: %+v)", throttled, reqs)
	}
}

func TestStormsLoseNothing(t *testing.T) {
	srv, s := setup(t, ometriatest.Config{}, sink.Config{Linger: 10 * time.Millisecond, RetryInitial: time.Millisecond, RetryMax: 20 * time.Millisecond, MaxAttempts: 200, Timeout: time.Second},
		fast, "a", "b", "c")
	srv.SetFaults(ometriatest.Faults{Rate429: 0.25, Rate5xx: 0.25, DropRate: 0.1})
	f := newFates()
	for i := 0; i < 600; i++ {
		acct := []string{"a", "b", "c"}[i%3]
		id := fmt.Sprint("r", i)
		write(t, s, f.record(acct, "custom_event", id, customEvent(id)))
	}
	f.wait(t, 30*time.Second)
	if ok, failed := f.count(); ok != 600 || failed != 0 {
		t.Fatalf("%d accepted, %d failed; want 600, 0", ok, failed)
	}
	stored := len(srv.Records("a")) + len(srv.Records("b")) + len(srv.Records("c"))
	if stored != 600 {
		t.Fatalf("the emulator holds %d records, want 600", stored)
	}
	var faults int
	for _, a := range []string{"a", "b", "c"} {
		for _, r := range srv.Requests(a) {
			if r.Status != 200 {
				faults++
			}
		}
	}
	if faults == 0 {
		t.Fatal("no fault was injected: the test proves nothing")
	}
}

func TestOneBadRecordIsolated(t *testing.T) {
	srv, s := setup(t, ometriatest.Config{}, sink.Config{Linger: 10 * time.Millisecond}, fast, "acme")
	f := newFates()
	for i := 0; i < 100; i++ {
		id := fmt.Sprint("c", i)
		js := contact(id)
		if i == 37 {
			js = fmt.Sprintf(`{"@type":"contact","id":%q,"email":"x@example.com","gender":"unknown"}`, id)
		}
		write(t, s, f.record("acme", "contact", id, js))
	}
	f.wait(t, 10*time.Second)
	ok, failed := f.count()
	if ok != 99 || failed != 1 {
		t.Fatalf("%d accepted, %d failed; want 99, 1", ok, failed)
	}
	err, _ := f.get("acme", "c37")
	var rej *sink.RejectedError
	if !errors.As(err, &rej) || !sink.IsPermanent(err) || !strings.Contains(rej.Path, "gender") {
		t.Fatalf("c37 failed with %v, want a RejectedError naming gender", err)
	}
	if rej.RequestID == "" {
		t.Fatal("the RejectedError lacks the request_id of the push that isolated it")
	}
	pushes := 0
	for _, r := range srv.Requests("acme") {
		if r.Type != "" {
			pushes++
		}
	}
	if extra := pushes - 1; extra > 15 {
		t.Fatalf("%d extra pushes to isolate one bad record, want at most 15", extra)
	}
	if n := len(srv.Records("acme")); n != 99 {
		t.Fatalf("the emulator holds %d records, want 99", n)
	}
}

func TestForbiddenAccountParkedOthersFlow(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	srv := ometriatest.NewServer(ometriatest.Config{},
		ometriatest.Account{Name: "good", Key: "key-good", RateLimit: math.Inf(1)}, ometriatest.Account{Name: "bad", Key: "secret-bad-key", RateLimit: math.Inf(1)})
	defer srv.Close()
	srv.SetFaults(ometriatest.Faults{Forbidden: []string{"bad"}})
	keys := map[string]sink.Account{"good": {Key: "key-good", Rate: fast}, "bad": {Key: "secret-bad-key", Rate: fast}}
	s, err := sink.New(sink.Config{BaseURL: srv.URL(), Linger: 10 * time.Millisecond, Unavailable: 300 * time.Millisecond},
		func(n string) (sink.Account, bool) { a, ok := keys[n]; return a, ok }, sink.WithLogger(zap.New(core)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	f := newFates()
	for i := 0; i < 50; i++ {
		write(t, s, f.record("bad", "contact", fmt.Sprint("b", i), contact(fmt.Sprint("b", i))),
			f.record("good", "contact", fmt.Sprint("g", i), contact(fmt.Sprint("g", i))))
	}
	f.wait(t, 10*time.Second)
	for i := 0; i < 50; i++ {
		if err, _ := f.get("good", fmt.Sprint("g", i)); err != nil {
			t.Fatalf("good record g%d: %v", i, err)
		}
		if err, _ := f.get("bad", fmt.Sprint("b", i)); !errors.Is(err, sink.ErrAccountUnavailable) || sink.IsPermanent(err) {
			t.Fatalf("bad record b%d: %v, want ErrAccountUnavailable", i, err)
		}
	}
	if logs.FilterMessageSnippet("403").Len() == 0 {
		t.Fatal("no log line says the key was refused")
	}
	for _, e := range logs.All() {
		if strings.Contains(fmt.Sprint(e.Message, e.ContextMap()), "secret-bad-key") {
			t.Fatalf("a log line holds the API key: %v %v", e.Message, e.ContextMap())
		}
	}
	// While refused, new records fail fast; once the key works and the wait is over, a
	// push probes it and the records flow.
	srv.SetFaults(ometriatest.Faults{})
	f2 := newFates()
	write(t, s, f2.record("bad", "contact", "early", contact("early")))
	f2.wait(t, time.Second)
	if err, _ := f2.get("bad", "early"); !errors.Is(err, sink.ErrAccountUnavailable) {
		t.Fatalf("a record during the wait: %v, want ErrAccountUnavailable", err)
	}
	time.Sleep(400 * time.Millisecond)
	write(t, s, f2.record("bad", "contact", "late", contact("late")))
	f2.wait(t, 5*time.Second)
	if err, _ := f2.get("bad", "late"); err != nil {
		t.Fatalf("a record after the wait: %v, want it accepted", err)
	}
}

func TestTimeoutsRetriedThenExhausted(t *testing.T) {
	srv, s := setup(t, ometriatest.Config{}, sink.Config{Linger: time.Millisecond, Timeout: 50 * time.Millisecond, RetryInitial: time.Millisecond, MaxAttempts: 3}, fast, "acme")
	srv.SetFaults(ometriatest.Faults{Latency: 300 * time.Millisecond})
	f := newFates()
	write(t, s, f.record("acme", "contact", "slow", contact("slow")))
	f.wait(t, 5*time.Second)
	err, _ := f.get("acme", "slow")
	if !errors.Is(err, sink.ErrRetriesExhausted) || sink.IsPermanent(err) {
		t.Fatalf("got %v, want ErrRetriesExhausted", err)
	}
	if n := srv.RequestCount("acme"); n != 3 {
		t.Fatalf("%d attempts, want 3", n)
	}
	srv.SetFaults(ometriatest.Faults{})
	write(t, s, f.record("acme", "contact", "quick", contact("quick")))
	f.wait(t, 5*time.Second)
	if err, _ := f.get("acme", "quick"); err != nil {
		t.Fatalf("after the latency went away: %v", err)
	}
}

func TestCloseFlushesWithoutWaitingForLinger(t *testing.T) {
	srv, s := setup(t, ometriatest.Config{}, sink.Config{Linger: time.Hour}, fast, "acme")
	f := newFates()
	for i := 0; i < 10; i++ {
		write(t, s, f.record("acme", "order", fmt.Sprint("o", i), order(fmt.Sprint("o", i))))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("Close waited for the linger time")
	}
	f.wait(t, time.Second)
	if ok, _ := f.count(); ok != 10 || len(srv.Records("acme")) != 10 {
		t.Fatalf("%d accepted, want 10", ok)
	}
	if err := s.Write(context.Background(), f.record("acme", "order", "late", order("late"))); !errors.Is(err, sink.ErrClosed) {
		t.Fatalf("Write after Close: %v, want ErrClosed", err)
	}
}

func TestCloseDeadlineReportsNotDone(t *testing.T) {
	srv, s := setup(t, ometriatest.Config{}, sink.Config{Linger: time.Millisecond, RetryInitial: 10 * time.Millisecond, MaxAttempts: 1000}, fast, "acme")
	srv.SetFaults(ometriatest.Faults{Rate5xx: 1})
	f := newFates()
	write(t, s, f.record("acme", "contact", "x", contact("x")))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := s.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close = %v, want the deadline", err)
	}
	f.wait(t, time.Second)
	if err, _ := f.get("acme", "x"); !errors.Is(err, sink.ErrNotDone) {
		t.Fatalf("got %v, want ErrNotDone", err)
	}
}

func TestBackpressure(t *testing.T) {
	srv, s := setup(t, ometriatest.Config{}, sink.Config{MaxPending: 5, Linger: time.Millisecond}, fast, "acme")
	srv.SetFaults(ometriatest.Faults{Latency: 500 * time.Millisecond})
	f := newFates()
	for i := 0; i < 5; i++ {
		write(t, s, f.record("acme", "contact", fmt.Sprint("c", i), contact(fmt.Sprint("c", i))))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	extra := sink.Record{Account: "acme", Type: "contact", ID: "blocked", JSON: []byte(contact("blocked")), Done: func(error) { t.Error("Done called for a record Write refused") }}
	if err := s.Write(ctx, extra); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Write to a full sink = %v, want it to block until the deadline", err)
	}
	f.wait(t, 5*time.Second)
}

func TestUnknownAccount(t *testing.T) {
	_, s := setup(t, ometriatest.Config{}, sink.Config{}, fast, "acme")
	f := newFates()
	write(t, s, f.record("nobody", "contact", "x", contact("x")))
	f.wait(t, time.Second)
	if err, _ := f.get("nobody", "x"); !errors.Is(err, sink.ErrUnknownAccount) {
		t.Fatalf("got %v, want ErrUnknownAccount", err)
	}
}

// metricsLog records what the sink reports.
type metricsLog struct {
	mu                sync.Mutex
	requests, retries int
	records           map[sink.Outcome]int
	batches           []int
	unavailable       map[string]bool
}

func (m *metricsLog) Request(string, int, time.Duration) { m.mu.Lock(); m.requests++; m.mu.Unlock() }
func (m *metricsLog) Records(_, _ string, o sink.Outcome, n int) {
	m.mu.Lock()
	m.records[o] += n
	m.mu.Unlock()
}
func (m *metricsLog) Batch(_ string, n, _ int) {
	m.mu.Lock()
	m.batches = append(m.batches, n)
	m.mu.Unlock()
}
func (m *metricsLog) Retry(string, string)              { m.mu.Lock(); m.retries++; m.mu.Unlock() }
func (m *metricsLog) LimiterWait(string, time.Duration) {}
func (m *metricsLog) AccountUnavailable(a string, u bool) {
	m.mu.Lock()
	m.unavailable[a] = u
	m.mu.Unlock()
}

func TestMetrics(t *testing.T) {
	srv := ometriatest.NewServer(ometriatest.Config{}, ometriatest.Account{Name: "acme", Key: "k", RateLimit: math.Inf(1)})
	defer srv.Close()
	m := &metricsLog{records: map[sink.Outcome]int{}, unavailable: map[string]bool{}}
	s, err := sink.New(sink.Config{BaseURL: srv.URL(), Linger: 5 * time.Millisecond, RetryInitial: time.Millisecond},
		func(string) (sink.Account, bool) { return sink.Account{Key: "k", Rate: fast}, true }, sink.WithMetrics(m))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	srv.SetFaults(ometriatest.Faults{Rate5xx: 0.5})
	f := newFates()
	for i := 0; i < 150; i++ {
		write(t, s, f.record("acme", "contact", fmt.Sprint("c", i), contact(fmt.Sprint("c", i))))
	}
	f.wait(t, 10*time.Second)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.records[sink.Accepted] != 150 || fmt.Sprint(m.batches) != "[100 50]" {
		t.Fatalf("records %v, batches %v; want 150 accepted in [100 50]", m.records, m.batches)
	}
	if m.requests != srv.RequestCount("acme") || m.retries != m.requests-2 {
		t.Fatalf("%d requests and %d retries reported; the emulator saw %d requests", m.requests, m.retries, srv.RequestCount("acme"))
	}
}

// TestHandoverToAnotherSinkKeepsTheRate: an account pushed by one process and then, at
// once, by another (a Kafka rebalance) still gets no more than its rate in any second:
// the second sink starts the account cold and waits a second before its first push.
func TestHandoverToAnotherSinkKeepsTheRate(t *testing.T) {
	srv := ometriatest.NewServer(ometriatest.Config{}, ometriatest.Account{Name: "acme", Key: "k", RateLimit: 4})
	defer srv.Close()
	newSink := func() *sink.Sink {
		s, err := sink.New(sink.Config{BaseURL: srv.URL(), BatchSize: 1, Linger: time.Millisecond},
			func(string) (sink.Account, bool) { return sink.Account{Key: "k", Rate: 4}, true })
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for round := 0; round < 3; round++ { // three owners in turn
		s := newSink()
		f := newFates()
		for i := 0; i < 4; i++ {
			id := fmt.Sprintf("r%d-%d", round, i)
			write(t, s, f.record("acme", "contact", id, contact(id)))
		}
		f.wait(t, 10*time.Second)
		s.Close(context.Background())
		if ok, _ := f.count(); ok != 4 {
			t.Fatalf("round %d: %d accepted, want 4", round, ok)
		}
	}
	if m := srv.MaxRequestsPerSecond("acme"); m > 4 {
		t.Fatalf("%d requests arrived within one second across the handovers, over the rate of 4", m)
	}
	if n := srv.RequestCount("acme"); n != 12 {
		t.Fatalf("%d requests, want 12", n)
	}
}

// TestAbandonedRecordsAreNotPushed: a record whose Ctx is done before its push leaves
// fails with ErrNotDone and never reaches Ometria (its partition was revoked).
func TestAbandonedRecordsAreNotPushed(t *testing.T) {
	srv, s := setup(t, ometriatest.Config{}, sink.Config{Linger: 200 * time.Millisecond}, fast, "acme")
	f := newFates()
	ctx, cancel := context.WithCancel(context.Background())
	r := f.record("acme", "contact", "gone", contact("gone"))
	r.Ctx = ctx
	write(t, s, r, f.record("acme", "order", "kept", order("kept")))
	cancel() // before the linger time: before the push
	f.wait(t, 5*time.Second)
	if err, _ := f.get("acme", "gone"); !errors.Is(err, sink.ErrNotDone) {
		t.Fatalf("abandoned record: %v, want ErrNotDone", err)
	}
	if err, _ := f.get("acme", "kept"); err != nil {
		t.Fatalf("the other record: %v", err)
	}
	if _, ok := srv.Record("acme", "contact", "", "gone"); ok {
		t.Fatal("the abandoned record reached Ometria")
	}
}

// TestColdStartOverlapsTheLinger: the first push of a quiet account waits its linger (1 s)
// and the cold start's second together, not one after the other: it arrives about a
// second after its record, not two.
func TestColdStartOverlapsTheLinger(t *testing.T) {
	srv, s := setup(t, ometriatest.Config{}, sink.Config{Linger: time.Second}, 4, "acme")
	f := newFates()
	start := time.Now()
	write(t, s, f.record("acme", "contact", "c1", contact("c1")))
	f.wait(t, 10*time.Second)
	reqs := srv.Requests("acme")
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	if took := reqs[0].Time.Sub(start); took < time.Second || took >= 1900*time.Millisecond {
		t.Fatalf("the push arrived %v after its record, want about 1 s (the linger; the cold start runs beside it)", took)
	}
}
