package dlq

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

func TestLineRoundTrip(t *testing.T) {
	msgs := []kafka.Message{
		{Topic: "d", Partition: 1, Offset: 2, Time: time.UnixMilli(1700000000123).UTC(), Key: []byte("k"), Value: []byte(`{"a":1}`),
			Headers: []kafka.Header{h("x", "1"), h("x", "2"), {Key: "empty", Value: []byte{}}}},
		{Topic: "d", Value: []byte{0xff, 0, 'a'}, Key: []byte{0xc3}, Headers: []kafka.Header{{Key: "bin", Value: []byte{0xff}}}},
		{Topic: "d", Value: []byte("line\nbreak \"quoted\" <html>")},
		{Topic: "d"},
	}
	for _, m := range msgs {
		line, err := EncodeLine(NewEntry(m), false)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.ContainsRune(line, '\n') {
			t.Errorf("a line with a newline: %s", line)
		}
		got, err := DecodeLine(line)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if !sameMessage(got, m) || (m.Key == nil) != (got.Key == nil) || (m.Value == nil) != (got.Value == nil) {
			t.Errorf("%s\nreads back as %+v, want %+v", line, got, m)
		}
	}
	withInfo, _ := EncodeLine(NewEntry(spec{stage: "map", reason: "missing_email", typ: "identify", failed: mixDay}.message(0)), true)
	var l Line
	if err := json.Unmarshal(withInfo, &l); err != nil || l.DeadLetter == nil || l.DeadLetter.Reason != "missing_email" || !l.DeadLetter.ValueIsJSON {
		t.Errorf("inspect's line: %s", withInfo)
	}
	if m, err := DecodeLine(withInfo); err != nil || string(m.Value) != `{"type":"identify","userId":"u0"}` {
		t.Errorf("inspect's line does not import: %v", err)
	}
	if m, err := DecodeLine([]byte(`{"topic":"d","value_json":{ "a" : [1, 2] },"headers":[]}`)); err != nil || string(m.Value) != `{"a":[1,2]}` {
		t.Errorf("value_json: %q, %v", m.Value, err)
	}
	for _, bad := range []string{`[]`, `{"value":"a","value_base64":"YQ=="}`, `{"value_base64":"!"}`, `{"value":"a","value_json":{}}`,
		`{"headers":[{"value":"v"}]}`, `{} {}`, `{"value_json":{]}`} {
		if _, err := DecodeLine([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
