package sink_test

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/kafka-ometria/kafka-ometria/ometriatest"
	"github.com/kafka-ometria/kafka-ometria/sink"
)

// fates collects the Done results of records, by record id.
type fates struct {
	mu   sync.Mutex
	errs map[string]error
	left sync.WaitGroup
}

func newFates() *fates { return &fates{errs: map[string]error{}} }

// record returns a sink.Record whose Done lands in f.
func (f *fates) record(account, typ, id, json string) sink.Record {
	f.left.Add(1)
	return sink.Record{Account: account, Type: typ, ID: id, JSON: []byte(json), Done: func(err error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if _, twice := f.errs[id+"@"+account]; twice {
			panic("Done called twice for " + id)
		}
		f.errs[id+"@"+account] = err
		f.left.Done()
	}}
}

// wait waits for every record's fate.
func (f *fates) wait(t *testing.T, d time.Duration) {
	t.Helper()
	ch := make(chan struct{})
	go func() { f.left.Wait(); close(ch) }()
	select {
	case <-ch:
	case <-time.After(d):
		t.Fatalf("records still without a fate after %v", d)
	}
}

func (f *fates) get(account, id string) (error, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	err, ok := f.errs[id+"@"+account]
	return err, ok
}

// count returns how many records ended with a nil error and how many with another.
func (f *fates) count() (ok, failed int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, err := range f.errs {
		if err == nil {
			ok++
		} else {
			failed++
		}
	}
	return ok, failed
}

func contact(id string) string {
	return fmt.Sprintf(`{"@type":"contact","id":%q,"email":"%s@example.com","marketing_optin":"NOT_SPECIFIED"}`, id, id)
}

func customEvent(id string) string {
	return fmt.Sprintf(`{"@type":"custom_event","id":%q,"event_type":"viewed","timestamp":"2024-05-01T08:00:00Z","identity_email":"a@example.com"}`, id)
}

func order(id string) string {
	return fmt.Sprintf(`{"@type":"order","id":%q,"timestamp":"2024-05-01T08:00:00Z","grand_total":10.5,"currency":"GBP","status":"complete","is_valid":true}`, id)
}

// setup starts an emulator with the named accounts (key "key-NAME", rate r) and a sink
// pushing to it with cfg. The sink is closed at the end of the test.
func setup(t *testing.T, ecfg ometriatest.Config, cfg sink.Config, r float64, names ...string) (*ometriatest.Server, *sink.Sink) {
	t.Helper()
	var accts []ometriatest.Account
	keys := map[string]sink.Account{}
	er := r // the emulator's limit: the same, or none when the test keeps rates out of the way
	if r >= fast {
		er = math.Inf(1)
	}
	for _, n := range names {
		accts = append(accts, ometriatest.Account{Name: n, Key: "key-" + n, RateLimit: er})
		keys[n] = sink.Account{Key: "key-" + n, Rate: r}
	}
	srv := ometriatest.NewServer(ecfg, accts...)
	t.Cleanup(srv.Close)
	cfg.BaseURL = srv.URL()
	s, err := sink.New(cfg, func(name string) (sink.Account, bool) { a, ok := keys[name]; return a, ok })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Close(ctx)
	})
	return srv, s
}

func write(t *testing.T, s *sink.Sink, recs ...sink.Record) {
	t.Helper()
	for _, r := range recs {
		if err := s.Write(context.Background(), r); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
}
