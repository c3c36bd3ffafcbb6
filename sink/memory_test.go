package sink_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/kafka-ometria/kafka-ometria/sink"
)

// Many accounts, each with a few records of each type lingering in partial batches (a
// backlog over 1,000 accounts): an open batch costs memory for the records it holds, not
// for a full batch of 100.
func TestOpenBatchesCostTheirRecordsNotAFullBatch(t *testing.T) {
	const accounts, types = 1000, 3
	s, err := sink.New(sink.Config{BaseURL: "http://127.0.0.1:1/v2", Linger: time.Hour, MaxLinger: time.Hour, MaxPending: accounts * types},
		func(string) (sink.Account, bool) { return sink.Account{Key: "k", Rate: 4}, true })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		s.Close(ctx)
	})
	recs := make([]sink.Record, 0, accounts*types)
	for i := range accounts {
		for _, typ := range []string{"contact", "order", "custom_event"} {
			recs = append(recs, sink.Record{Account: fmt.Sprint("acct", i), Type: typ, ID: "r", JSON: []byte(`{"id":"r"}`), Done: func(error) {}})
		}
	}
	before := heap()
	for _, r := range recs {
		if err := s.Write(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	grown := heap() - before
	per := grown / (accounts * types)
	t.Logf("%d open batches of one record: %d bytes more heap, %d a batch", accounts*types, grown, per)
	if per > 2048 {
		t.Errorf("an open batch of one record costs %d bytes of heap, want under 2 KB (room for 100 records is about 10 KB)", per)
	}
	runtime.KeepAlive(s)
	runtime.KeepAlive(recs)
}

func heap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
