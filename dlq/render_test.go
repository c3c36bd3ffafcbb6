package dlq

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

func TestWriteEntry(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, c := range []struct {
		name string
		m    kafka.Message
		want []string
	}{
		{"JSON", spec{stage: "map", reason: "missing_email", account: "acme", typ: "identify", source: "ev", tenant: "a", failed: at}.message(3),
			[]string{"reason   missing_email   stage map   account acme", "source   ev partition 0 offset 103",
				"event    identify", "x-tenant: a", "ometria-reason: missing_email", "bytes, JSON", `"type": "identify",`}},
		{"text", kafka.Message{Value: []byte("not json at all\n\x01"), Time: at},
			[]string{"no kafka-ometria headers", "not JSON (text)", `"not json at all\n\x01"`, "key      null"}},
		{"binary", kafka.Message{Value: append([]byte{0xff, 0xfe}, bytes.Repeat([]byte("x"), 600)...), Time: at},
			[]string{"not JSON (binary, the first 512 bytes shown)", "00000000  ff fe 78 78"}},
		{"long text", kafka.Message{Value: bytes.Repeat([]byte("é"), 400), Time: at}, []string{"… (800 bytes)", "the first 512 bytes shown"}},
		{"cut", spec{stage: "map", reason: "message_too_large", truncated: true, failed: at}.message(1),
			[]string{"note: this value was cut to fit the dead-letter topic", "of 2000000 bytes kept", "never replayed"}},
	} {
		var b bytes.Buffer
		if err := WriteEntry(&b, NewEntry(c.m)); err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: no %q in\n%s", c.name, w, b.String())
			}
		}
	}
}

func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	p := NewProgressBar(&b, 10, "replaying")
	p.Add(10)
	p.Finish()
	if !strings.Contains(b.String(), "replaying") || !strings.Contains(b.String(), "10/10") {
		t.Errorf("bar: %q", b.String())
	}
	b.Reset()
	p = NewProgressBar(&b, 10, "replaying")
	time.Sleep(150 * time.Millisecond) // past the throttle
	p.Add(4)
	p.Finish()
	if !strings.Contains(b.String(), "4/10") || strings.Contains(b.String(), "10/10") {
		t.Errorf("a bar left part way: %q", b.String())
	}
}
