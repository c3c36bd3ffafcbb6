package ometriatest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// Error bodies. Ometria documents none, so the default is the shape of its success body:
//
//	{"status":"error","message":"body must be a JSON array"}
//
// With Config.ProblemJSON the body is RFC 7807 application/problem+json, as Ometria's public
// Go service kit (Ometria/ometria.kit v2/api/respond.go) writes it:
//
//	{"type":"about:blank","title":"Bad Request","status":400,"detail":"body must be a JSON array"}
//
// No message ever contains the API key.

// errorBody is the default error body.
type errorBody struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// problem is an RFC 7807 problem details body.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// pushResponse is the body of an accepted push, as documented.
type pushResponse struct {
	Status    string `json:"status"`
	RequestID string `json:"request_id"`
	Accepted  int    `json:"accepted"`
	Rejected  int    `json:"rejected"`
}

// writeError answers status with msg in the configured error body.
func (e *Emulator) writeError(w http.ResponseWriter, x *exchange, status int, msg string) {
	if e.cfg.ProblemJSON {
		writeJSONType(w, x, status, "application/problem+json",
			problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: msg})
		return
	}
	writeJSON(w, x, status, errorBody{Status: "error", Message: msg})
}

// writeJSON answers status with v as application/json.
func writeJSON(w http.ResponseWriter, x *exchange, status int, v any) {
	writeJSONType(w, x, status, "application/json", v)
}

// writeJSONType answers status with v encoded as JSON under the given content type.
func writeJSONType(w http.ResponseWriter, x *exchange, status int, contentType string, v any) {
	body, err := marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"status":"error","message":"encoding the response failed"}`)
	}
	x.status = status
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// marshal encodes v as JSON without HTML escaping, followed by a newline.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
