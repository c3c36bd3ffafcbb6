package processor

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// Health is what readiness needs to know of a running pipeline: the partitions that are
// stalled now (their oldest unfinished message is older than the stall timeout). Its
// methods are safe for concurrent use; the zero value is ready.
type Health struct {
	mu      sync.Mutex
	stalled map[string]string // "group topic/partition" -> what to say of it
}

func (h *Health) setStall(group, topic string, partition int, offset int64, age time.Duration, stalled bool) {
	if h == nil {
		return
	}
	key := fmt.Sprintf("%s %s/%d", group, topic, partition)
	h.mu.Lock()
	defer h.mu.Unlock()
	if !stalled {
		delete(h.stalled, key)
		return
	}
	if h.stalled == nil {
		h.stalled = map[string]string{}
	}
	h.stalled[key] = fmt.Sprintf("group %s, %s partition %d at offset %d (unfinished for %s)",
		group, topic, partition, offset, age.Round(time.Second))
}

// Err returns nil when no partition is stalled, else an error naming each stalled one.
func (h *Health) Err() error {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.stalled) == 0 {
		return nil
	}
	var each []string
	for _, k := range slices.Sorted(maps.Keys(h.stalled)) {
		each = append(each, h.stalled[k])
	}
	return fmt.Errorf("stalled: %s", strings.Join(each, "; "))
}
