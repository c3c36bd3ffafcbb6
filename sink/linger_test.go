package sink_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/kafka-ometria/kafka-ometria/ometriatest"
	"github.com/kafka-ometria/kafka-ometria/sink"
)

// An account at its rate limit, with a backlog of contacts and a trickle of orders: the
// orders' partial batch must keep filling while the account is busy pushing full contact
// batches (it could not leave sooner anyway), not leave at each linger with a few orders
// and spend the account's tokens on them.
func TestPartialBatchKeepsFillingWhileItsAccountIsBusy(t *testing.T) {
	srv, s := setup(t, ometriatest.Config{}, sink.Config{Linger: 100 * time.Millisecond, MaxLinger: 3 * time.Second}, 5, "acme")
	f := newFates()
	// The backlog keeps the account busy for about 4 s (20 full batches at 5 a second),
	// however slowly this machine writes; the orders trickle in meanwhile.
	for i := range 2000 {
		write(t, s, f.record("acme", "contact", fmt.Sprint("c", i), contact(fmt.Sprint("c", i))))
	}
	for i := range 150 {
		write(t, s, f.record("acme", "order", fmt.Sprint("o", i), order(fmt.Sprint("o", i))))
		time.Sleep(10 * time.Millisecond)
	}
	f.wait(t, 60*time.Second)
	orders, ordered := 0, 0
	for _, r := range srv.Requests("acme") {
		if r.Type == "order" {
			orders++
			ordered += r.Records
		}
	}
	// One full batch, and the rest when MaxLinger is up or the account is idle: at most
	// three pushes. Leaving at each Linger would take about fifteen.
	if ordered != 150 || orders > 3 {
		t.Fatalf("%d order pushes for %d orders (%.1f a push): partial batches left while the account was busy", orders, ordered, float64(ordered)/float64(max(orders, 1)))
	}
}
