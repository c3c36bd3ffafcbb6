package processor

import (
	"strings"
	"testing"
	"time"
)

func TestHealthNamesStalledPartitions(t *testing.T) {
	var h Health
	if err := h.Err(); err != nil {
		t.Fatalf("a new Health: %v, want ready", err)
	}
	h.setStall("ko-push", "ometria.records", 3, 1200, 6*time.Minute, true)
	h.setStall("ko-map", "rudder.events", 0, 7, 5*time.Minute, true)
	err := h.Err()
	if err == nil || !strings.Contains(err.Error(), "ometria.records partition 3 at offset 1200") ||
		!strings.Contains(err.Error(), "rudder.events partition 0 at offset 7") {
		t.Fatalf("Err() = %v, want both stalled partitions named", err)
	}
	h.setStall("ko-push", "ometria.records", 3, 1200, 0, false)
	h.setStall("ko-map", "rudder.events", 0, 7, 0, false)
	if err := h.Err(); err != nil {
		t.Fatalf("after both recovered: %v, want ready", err)
	}
	var none *Health
	none.setStall("g", "t", 0, 0, time.Hour, true)
	if none.Err() != nil {
		t.Fatal("a nil Health is always ready")
	}
}
