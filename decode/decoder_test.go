package decode

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kafka-ometria/kafka-ometria/mapper"
)

const testSchema = `{"type":"record","name":"T","fields":[
 {"name":"type","type":"string"},
 {"name":"userId","type":["null","string"],"default":null},
 {"name":"n","type":"long"}]}`

// frame is the wire format of payload with schema id.
func frame(id uint32, payload ...byte) []byte { return append(AppendHeader(nil, id), payload...) }

// zz is the zig-zag varint of x.
func zz(x int64) []byte { return appendVarint(nil, x) }

func appendVarint(b []byte, x int64) []byte {
	u := uint64(x<<1) ^ uint64(x>>63)
	for u >= 0x80 {
		b = append(b, byte(u)|0x80)
		u >>= 7
	}
	return append(b, byte(u))
}

func str(s string) []byte { return append(zz(int64(len(s))), s...) }

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func reasonOf(err error) mapper.Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

func TestDecodeAvro(t *testing.T) {
	f := newFakeRegistry(t)
	f.add(7, "", testSchema)
	d := newTestDecoder(t, f)
	ctx := context.Background()
	good := cat(str("identify"), zz(1), str("u1"), zz(1<<62+1))
	for _, c := range []struct {
		name   string
		value  []byte
		want   string
		reason mapper.Reason
	}{
		{"union and long", frame(7, good...), `{"type":"identify","userId":"u1","n":4611686018427387905}`, ""},
		{"null field left out", frame(7, cat(str("track"), zz(0), zz(-3))...), `{"type":"track","n":-3}`, ""},
		{"empty", nil, "", mapper.ReasonInvalidWireFormat},
		{"short header", []byte{0, 0, 0}, "", mapper.ReasonInvalidWireFormat},
		{"bad magic byte", append([]byte{1}, frame(7, good...)[1:]...), "", mapper.ReasonInvalidWireFormat},
		{"plain JSON on an avro topic", []byte(`{"type":"identify"}`), "", mapper.ReasonInvalidWireFormat},
		{"truncated payload", frame(7, good[:len(good)-2]...), "", mapper.ReasonInvalidAvro},
		{"bytes left over", frame(7, append(good, 0)...), "", mapper.ReasonInvalidAvro},
		{"union branch out of range", frame(7, cat(str("identify"), zz(2), zz(1))...), "", mapper.ReasonInvalidAvro},
		{"string not UTF-8", frame(7, cat(str("\xff"), zz(0), zz(1))...), "", mapper.ReasonInvalidAvro},
		{"negative length", frame(7, cat(zz(-5), zz(0), zz(1))...), "", mapper.ReasonInvalidAvro},
		{"unknown id", frame(8, good...), "", mapper.ReasonUnknownSchema},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := d.Decode(ctx, Avro, c.value, nil)
			if reasonOf(err) != c.reason || (c.reason == "" && err != nil) {
				t.Fatalf("err %v, want reason %q", err, c.reason)
			}
			if string(got) != c.want {
				t.Errorf("got %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestDecodeJSONAndJSONSchema(t *testing.T) {
	f := newFakeRegistry(t)
	f.add(3, "JSON", `{"type":"object"}`)
	f.add(4, "", testSchema)
	d := newTestDecoder(t, f)
	ctx := context.Background()
	ev := []byte(`{"type":"identify"}`)
	if got, err := d.Decode(ctx, JSON, ev, nil); err != nil || string(got) != string(ev) {
		t.Errorf("json: %s, %v", got, err)
	}
	if got, err := d.Decode(ctx, JSONSchema, frame(3, ev...), nil); err != nil || string(got) != string(ev) {
		t.Errorf("json-schema: %s, %v", got, err)
	}
	if _, err := d.Decode(ctx, JSONSchema, ev, nil); reasonOf(err) != mapper.ReasonInvalidWireFormat {
		t.Errorf("json-schema without a header: %v", err)
	}
	if _, err := d.Decode(ctx, JSONSchema, frame(9, ev...), nil); reasonOf(err) != mapper.ReasonUnknownSchema {
		t.Errorf("json-schema, unknown id: %v", err)
	}
	if _, err := d.Decode(ctx, JSONSchema, frame(4, ev...), nil); reasonOf(err) != mapper.ReasonUnsupportedSchema {
		t.Errorf("json-schema, an Avro schema's id: %v", err)
	}
	if _, err := d.Decode(ctx, Avro, frame(3, ev...), nil); reasonOf(err) != mapper.ReasonUnsupportedSchema {
		t.Errorf("avro, a JSON schema's id: %v", err)
	}
	// Without a registry, json-schema only checks the header.
	if got, err := New(nil, Options{}).Decode(ctx, JSONSchema, frame(9, ev...), nil); err != nil || string(got) != string(ev) {
		t.Errorf("json-schema without a registry: %s, %v", got, err)
	}
}

func TestUnparsableSchemaIsUnsupported(t *testing.T) {
	f := newFakeRegistry(t)
	f.add(5, "", `{"type":"record","name":"X","fields":[{"name":"a","type":"nope"}]}`)
	f.add(6, "PROTOBUF", `syntax = "proto3";`)
	d := newTestDecoder(t, f)
	for _, id := range []uint32{5, 6} {
		if _, err := d.Decode(context.Background(), Avro, frame(id, 0), nil); reasonOf(err) != mapper.ReasonUnsupportedSchema {
			t.Errorf("id %d: %v, want unsupported_schema", id, err)
		}
	}
}

func TestRegistryUnavailable(t *testing.T) {
	f := newFakeRegistry(t)
	f.add(7, "", testSchema)
	d := newTestDecoder(t, f)
	ctx := context.Background()
	msg := frame(7, cat(str("identify"), zz(0), zz(1))...)
	for _, c := range []struct {
		name   string
		status int
		down   bool
		auth   bool
	}{
		{"connection dropped", 0, true, false},
		{"503", http.StatusServiceUnavailable, false, false},
		{"500", http.StatusInternalServerError, false, false},
		{"401", http.StatusUnauthorized, false, true},
		{"403", http.StatusForbidden, false, true},
	} {
		f.set(c.status, c.down)
		_, err := d.Decode(ctx, Avro, msg, nil)
		var u *UnavailableError
		if !errors.As(err, &u) || u.Unauthorized != c.auth || reasonOf(err) != "" {
			t.Errorf("%s: %v, want an *UnavailableError (unauthorized %v)", c.name, err, c.auth)
		}
	}
	// A 404 that is not the registry's (a wrong URL path behind a proxy) is not an unknown id.
	reg, _ := NewRegistry(RegistryConfig{URL: f.URL + "/wrong-path"})
	f.set(0, false)
	if _, err := New(reg, Options{}).Decode(ctx, Avro, msg, nil); !IsUnavailable(err) {
		t.Errorf("a 404 without error_code 40403: %v, want unavailable", err)
	}
	// Up again: the same message decodes; the failures were not cached.
	if got, err := d.Decode(ctx, Avro, msg, nil); err != nil || string(got) != `{"type":"identify","n":1}` {
		t.Errorf("after the registry is back: %s, %v", got, err)
	}
	// A cancelled wait is unavailable too (the caller gives the message back).
	f.set(0, true)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := d.Decode(cctx, Avro, frame(99, 0), nil); !IsUnavailable(err) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestCacheOneRequestPerID(t *testing.T) {
	f := newFakeRegistry(t)
	f.add(7, "", testSchema)
	d := newTestDecoder(t, f)
	msg := frame(7, cat(str("identify"), zz(0), zz(1))...)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 500 {
				if _, err := d.Decode(context.Background(), Avro, msg, nil); err != nil {
					t.Error(err)
					return
				}
				if _, err := d.Decode(context.Background(), Avro, frame(8, 0), nil); reasonOf(err) != mapper.ReasonUnknownSchema {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := f.requests.Load(); n != 2 {
		t.Errorf("%d registry requests for 8,000 messages of 2 ids, want 2", n)
	}
}

func TestBasicAuth(t *testing.T) {
	f := newFakeRegistry(t)
	f.add(7, "", testSchema)
	f.auth = "sr-user:s3cret"
	reg, _ := NewRegistry(RegistryConfig{URL: f.URL, Username: "sr-user", Password: "s3cret"})
	msg := frame(7, cat(str("identify"), zz(0), zz(1))...)
	if _, err := New(reg, Options{}).Decode(context.Background(), Avro, msg, nil); err != nil {
		t.Fatal(err)
	}
	reg, _ = NewRegistry(RegistryConfig{URL: f.URL, Username: "sr-user", Password: "wrong-password"})
	_, err := New(reg, Options{}).Decode(context.Background(), Avro, msg, nil)
	if !IsUnavailable(err) || strings.Contains(err.Error(), "wrong-password") {
		t.Errorf("wrong password: %v", err)
	}
}

// TestSchemaReferences: a schema that uses a named type of another subject decodes
// once the reference is fetched; a reference the registry lacks is unknown_schema.
func TestSchemaReferences(t *testing.T) {
	f := newFakeRegistry(t)
	f.subjects["address-value/versions/1"] = fakeSchema{text: `{"type":"record","name":"Address","namespace":"t","fields":[{"name":"city","type":"string"}]}`}
	f.schemas[10] = fakeSchema{text: `{"type":"record","name":"User","namespace":"t","fields":[{"name":"home","type":"t.Address"}]}`,
		refs: []map[string]any{{"name": "t.Address", "subject": "address-value", "version": 1}}}
	f.schemas[11] = fakeSchema{text: `{"type":"record","name":"User","namespace":"t","fields":[{"name":"home","type":"t.Address"}]}`,
		refs: []map[string]any{{"name": "t.Address", "subject": "missing-value", "version": 1}}}
	d := newTestDecoder(t, f)
	got, err := d.Decode(context.Background(), Avro, frame(10, str("Paris")...), nil)
	if err != nil || string(got) != `{"home":{"city":"Paris"}}` {
		t.Errorf("got %s, %v", got, err)
	}
	if _, err := d.Decode(context.Background(), Avro, frame(11, str("Paris")...), nil); reasonOf(err) != mapper.ReasonUnknownSchema {
		t.Errorf("a missing reference: %v, want unknown_schema", err)
	}
}
