package processor

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// appendTime writes what Format does with timeLayout in UTC, whatever the time.
func TestAppendTimeIsFormat(t *testing.T) {
	east := time.FixedZone("east", 5*3600+30*60)
	times := []time.Time{
		{},
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 6_999_999, time.UTC),
		time.Date(2026, 1, 1, 2, 0, 0, 0, east), // the day before in UTC
		time.UnixMilli(1714550619761),
		time.Unix(0, 0),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 10_000 {
		times = append(times, time.Unix(r.Int64N(400_000_000_000)-62_135_596_800, r.Int64N(1e9)).In(east))
	}
	for _, tm := range times {
		want := tm.UTC().Format(timeLayout)
		if got := string(appendTime([]byte("x"), tm)); got != "x"+want {
			t.Fatalf("appendTime(%v) = %q, want %q", tm, got[1:], want)
		}
		if got := formatTime(tm); got != want {
			t.Fatalf("formatTime(%v) = %q, want %q", tm, got, want)
		}
	}
}

// recordType is header(m, HeaderRecordType).
func TestRecordTypeIsHeader(t *testing.T) {
	for _, hs := range [][]kafka.Header{
		nil,
		{{Key: HeaderAccount, Value: []byte("acme")}},
		{{Key: HeaderRecordType, Value: []byte("contact")}},
		{{Key: HeaderRecordType, Value: []byte("order")}, {Key: HeaderRecordID, Value: []byte("o1")}},
		{{Key: HeaderRecordType, Value: []byte("custom_event")}, {Key: HeaderRecordType, Value: []byte("product")}},
		{{Key: HeaderRecordType, Value: []byte("Contact")}},
		{{Key: HeaderRecordType, Value: []byte("")}},
		{{Key: HeaderRecordType, Value: nil}},
	} {
		m := kafka.Message{Headers: hs}
		want, _ := header(&m, HeaderRecordType)
		if got := recordType(&m); got != want {
			t.Errorf("recordType(%v) = %q, want %q", hs, got, want)
		}
	}
}
