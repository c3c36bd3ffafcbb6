package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// recorder stands between kafka-ometria and the emulator for the latency scenario: it
// forwards every request and notes, for each record of an accepted push, its account,
// type, id and when the push arrived. The emulator's own history has one time per push
// but not which records it held.
type recorder struct {
	target  string            // the emulator, http://host:port
	account map[string]string // API key -> account
	client  *http.Client
	srv     *http.Server
	url     string

	mu       sync.Mutex
	arrivals []arrival
}

// arrival is one record of an accepted push.
type arrival struct {
	at  time.Time
	key recKey
}

func startRecorder(target string, accounts []string) (*recorder, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &recorder{target: target, account: map[string]string{},
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}}
	for _, a := range accounts {
		r.account[apiKey(a)] = a
	}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	r.url = "http://" + ln.Addr().String()
	go r.srv.Serve(ln)
	return r, nil
}

func (r *recorder) close() { r.srv.Close() }

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out, err := http.NewRequestWithContext(req.Context(), req.Method, r.target+req.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	out.Header = req.Header.Clone()
	resp, err := r.client.Do(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(answer)

	if req.Method != http.MethodPost || req.URL.Path != "/v2/push" || resp.StatusCode/100 != 2 {
		return
	}
	account := r.account[req.Header.Get("X-Ometria-Auth")]
	var recs []struct {
		Type string          `json:"@type"`
		ID   json.RawMessage `json:"id"`
	}
	if json.Unmarshal(body, &recs) != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rec := range recs {
		var id string
		if json.Unmarshal(rec.ID, &id) != nil {
			id = string(rec.ID)
		}
		r.arrivals = append(r.arrivals, arrival{at: at, key: recKey{account: account, typ: rec.Type, id: id}})
	}
}

func (r *recorder) all() []arrival {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]arrival(nil), r.arrivals...)
}

// latencies matches each record's arrivals with the times its events were produced, first
// with first (a record that several events make arrives once for each), and returns the
// latency of each match, the arrivals matching no production (duplicates) and the
// productions never matched (missing).
func latencies(produced map[recKey][]time.Time, arrivals []arrival) (lat []time.Duration, dups, missing int) {
	queue := make(map[recKey][]time.Time, len(produced))
	for k, ts := range produced {
		queue[k] = ts
	}
	for _, a := range arrivals {
		q := queue[a.key]
		if len(q) == 0 {
			dups++
			continue
		}
		lat = append(lat, a.at.Sub(q[0]))
		queue[a.key] = q[1:]
	}
	for _, q := range queue {
		missing += len(q)
	}
	return lat, dups, missing
}
