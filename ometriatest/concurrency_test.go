package ometriatest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestConcurrency pushes from 50 goroutines to 10 accounts over HTTP while other goroutines
// inspect and change faults; run it with -race.
func TestConcurrency(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, unlimited(Config{}))
	const accounts, workers, pushes = 10, 50, 10
	for i := range accounts {
		s.AddAccount(Account{Name: fmt.Sprintf("a%d", i), Key: fmt.Sprintf("k%d", i)})
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			key := fmt.Sprintf("k%d", w%accounts)
			for p := range pushes {
				body := arr(fmt.Sprintf(`{"@type":"contact","id":"w%d-%d","email":"a@x.io"}`, w, p),
					fmt.Sprintf(`{"@type":"contact","id":"shared","email":"a@x.io","firstname":"w%d"}`, w))
				req, _ := http.NewRequest("POST", s.URL()+"/push", strings.NewReader(body))
				req.Header.Set("X-Ometria-Auth", key)
				req.Header.Set("Content-Type", "application/json")
				resp, err := s.Client().Do(req)
				if err != nil {
					t.Errorf("worker %d push %d: %v", w, p, err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("worker %d push %d: %d", w, p, resp.StatusCode)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			s.Stats()
			s.Records("a1")
			s.Requests("a2")
			s.MaxRequestsPerSecond("a3")
			s.SetFaults(Faults{Forbidden: []string{"nobody"}})
		}
	})
	wg.Wait()
	total := 0
	for i := range accounts {
		name := fmt.Sprintf("a%d", i)
		total += s.RequestCount(name)
		want := workers/accounts*pushes + 1 // each worker's own records plus "shared"
		if n := len(s.Records(name)); n != want {
			t.Errorf("%s: %d records, want %d", name, n, want)
		}
	}
	if total != workers*pushes {
		t.Errorf("%d requests, want %d", total, workers*pushes)
	}
}
