package decode

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeRegistry answers GET /schemas/ids/{id} as the Confluent Schema Registry's REST API
// documents it: 200 {"schema": "...", "schemaType": "JSON"} (schemaType left out for
// Avro), or 404 {"error_code":40403,"message":"Schema not found"}. status, when set,
// is answered instead (a 5xx, a 401); down drops every connection unanswered.
type fakeRegistry struct {
	*httptest.Server
	mu       sync.Mutex
	schemas  map[uint32]fakeSchema
	status   int
	down     bool
	requests atomic.Int64
	auth     string                // "user:password" the requests must carry, when set
	subjects map[string]fakeSchema // "subject/versions/N" -> schema, for references
}

type fakeSchema struct {
	typ, text string
	refs      []map[string]any // {"name", "subject", "version"}
}

func newFakeRegistry(t *testing.T) *fakeRegistry {
	f := &fakeRegistry{schemas: map[uint32]fakeSchema{}, subjects: map[string]fakeSchema{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeRegistry) add(id uint32, typ, text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.schemas[id] = fakeSchema{typ: typ, text: text}
}

func (f *fakeRegistry) set(status int, down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.down = status, down
}

func (f *fakeRegistry) serve(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	f.mu.Lock()
	status, down, auth := f.status, f.down, f.auth
	f.mu.Unlock()
	if down {
		c, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			c.Close()
		}
		return
	}
	w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	if auth != "" {
		u, p, ok := r.BasicAuth()
		if !ok || u+":"+p != auth {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error_code":401,"message":"Unauthorized"}`))
			return
		}
	}
	if status != 0 {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"error_code":` + strconv.Itoa(status*100) + `,"message":"Internal Server Error"}`))
		return
	}
	if subj, ok := strings.CutPrefix(r.URL.Path, "/subjects/"); ok { // GET /subjects/{subject}/versions/{version}
		f.mu.Lock()
		s, ok := f.subjects[subj]
		f.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error_code":40401,"message":"Subject not found"}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"subject": strings.Split(subj, "/")[0], "version": 1, "id": 100, "schema": s.text})
		return
	}
	idText, ok := strings.CutPrefix(r.URL.Path, "/schemas/ids/")
	id, err := strconv.ParseUint(idText, 10, 32)
	if r.Method != http.MethodGet || !ok || err != nil {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error_code":404,"message":"HTTP 404 Not Found"}`))
		return
	}
	f.mu.Lock()
	s, ok := f.schemas[uint32(id)]
	f.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error_code":40403,"message":"Schema not found"}`))
		return
	}
	body := map[string]any{"schema": s.text}
	if s.refs != nil {
		body["references"] = s.refs
	}
	if s.typ != "" && s.typ != "AVRO" {
		body["schemaType"] = s.typ
	}
	_ = json.NewEncoder(w).Encode(body)
}

// newTestDecoder is a Decoder over f with short timeouts.
func newTestDecoder(t *testing.T, f *fakeRegistry) *Decoder {
	t.Helper()
	reg, err := NewRegistry(RegistryConfig{URL: f.URL, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return New(reg, Options{})
}
