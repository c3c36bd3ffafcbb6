package sink_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kafka-ometria/kafka-ometria/ometriatest"
	"github.com/kafka-ometria/kafka-ometria/sink"
)

// A record failed at once by Write (its account unknown, or its key refused) gets its
// Done from Write itself; while that Done runs, Write for other accounts must not wait
// for it: the sink holds no lock of its own while it calls Done.
func TestDoneFromWriteHoldsNoLock(t *testing.T) {
	tests := []struct {
		name    string
		account string
		want    error
	}{
		{"unknown account", "nobody", sink.ErrUnknownAccount},
		{"refused account", "bad", sink.ErrAccountUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, s := setup(t, ometriatest.Config{}, sink.Config{Linger: time.Millisecond, Unavailable: time.Minute}, fast, "good", "bad")
			srv.SetFaults(ometriatest.Faults{Forbidden: []string{"bad"}})
			// A first push for "bad" gets the 403 that marks its key refused.
			f := newFates()
			write(t, s, f.record("bad", "contact", "first", contact("first")))
			f.wait(t, 5*time.Second)
			if err, _ := f.get("bad", "first"); !errors.Is(err, sink.ErrAccountUnavailable) {
				t.Fatalf("the first record of the refused account: %v, want ErrAccountUnavailable", err)
			}

			entered, release := make(chan struct{}), make(chan struct{})
			defer close(release) // before the sink's cleanup closes it
			got := make(chan error, 1)
			blocked := sink.Record{Account: tt.account, Type: "contact", ID: "blocked", JSON: []byte(contact("blocked")),
				Done: func(err error) {
					got <- err
					close(entered)
					<-release
				}}
			go func() {
				if err := s.Write(context.Background(), blocked); err != nil {
					t.Errorf("Write of the blocked record: %v", err)
				}
			}()
			select {
			case <-entered:
			case <-time.After(2 * time.Second):
				t.Fatal("Write never called Done for the record it fails at once")
			}
			if err := <-got; !errors.Is(err, tt.want) {
				t.Fatalf("the blocked record: %v, want %v", err, tt.want)
			}

			wrote := make(chan error, 1)
			go func() { wrote <- s.Write(context.Background(), f.record("good", "contact", "g", contact("g"))) }()
			select {
			case err := <-wrote:
				if err != nil {
					t.Fatalf("Write for a healthy account: %v", err)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("Write for a healthy account waited for another account's Done")
			}
			f.wait(t, 5*time.Second)
			if err, _ := f.get("good", "g"); err != nil {
				t.Fatalf("the healthy account's record: %v", err)
			}
		})
	}
}
