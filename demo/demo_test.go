package demo

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestDemoRunsToTheEnd(t *testing.T) {
	var out, progress bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := Run(ctx, Options{Events: 300}, &out, &progress); err != nil {
		t.Fatalf("demo: %v\n%s", err, progress.String())
	}
	s := out.String()
	for _, want := range []string{"Records at Ometria", "Dead letters on ometria.dlq", "invalid_json", "Offsets committed"} {
		if !strings.Contains(s, want) {
			t.Fatalf("the summary lacks %q:\n%s", want, s)
		}
	}
	// Every group committed its topic's end: "committed / end" with both equal.
	re := regexp.MustCompile(`(\d+) / (\d+)`)
	ms := re.FindAllStringSubmatch(s, -1)
	if len(ms) != 3 {
		t.Fatalf("want 3 offset lines:\n%s", s)
	}
	for _, m := range ms {
		if m[1] != m[2] {
			t.Fatalf("committed %s of %s:\n%s", m[1], m[2], s)
		}
	}
	if !strings.Contains(progress.String(), "map 300/300 events") {
		t.Fatalf("no final progress line:\n%s", progress.String())
	}
}

// --accounts and --listen: the demo runs with more accounts and serves the pipeline's
// metrics while it runs.
func TestDemoAccountsAndMetrics(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var out, progress bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	scraped := make(chan string, 1)
	go func() {
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			resp, err := http.Get("http://" + addr + "/metrics")
			if err != nil {
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(b), "kafka_ometria_consumed_total") {
				scraped <- string(b)
				return
			}
		}
		scraped <- ""
	}()
	if err := Run(ctx, Options{Events: 400, Accounts: 5, Listen: addr}, &out, &progress); err != nil {
		t.Fatalf("demo: %v\n%s", err, progress.String())
	}
	for _, a := range []string{"acme", "beta", "gamma", "shop04", "shop05"} {
		if !strings.Contains(out.String(), a) {
			t.Errorf("the summary lacks account %s:\n%s", a, out.String())
		}
	}
	if m := <-scraped; !strings.Contains(m, `kafka_ometria_mapped_total{account="shop05"`) {
		t.Fatalf("the metrics served while the demo ran lack shop05's series:\n%.2000s", m)
	}
}
