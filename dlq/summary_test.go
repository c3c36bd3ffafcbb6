package dlq

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestWriteSummaryAndRuns(t *testing.T) {
	s := &Summary{ReplayID: "abc", Source: "ometria.dlq", Filter: "--reason x", Targets: "map->r push,retry->c", Status: RunLimit,
		DryRun: true, Resumed: true, Counts: Counts{Before: 5, Examined: 1234, Matched: 10, Sent: 7, MaxReplays: 2, Truncated: 1,
			SentTo: map[string]int64{"r": 7}, ByReason: map[string]int64{"x": 7}, LeftBy: map[string]int64{"x": 3}}}
	var b bytes.Buffer
	if err := WriteSummary(&b, s); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"dry run: nothing was written", "would send", "1,234", "to r", "--force sends them", "stopped at --limit", "5 entries examined before"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("no %q in\n%s", w, b.String())
		}
	}
	b.Reset()
	writeRuns(&b, []Run{{ReplayID: "abc", Source: "ometria.dlq", Started: time.Now(), User: "ann", Host: "box", Status: RunRunning,
		Counts: Counts{Sent: 3}}})
	if !strings.Contains(b.String(), "ann@box") || !strings.Contains(b.String(), "(every entry)") {
		t.Errorf("runs:\n%s", b.String())
	}
	if num64(1234567) != "1,234,567" || num64(-1000) != "-1,000" || num(12) != "12" {
		t.Error("num64")
	}
}
