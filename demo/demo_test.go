package demo

import (
	"bytes"
	"context"
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
