// Package ometriatest provides an in-process emulator of Ometria's Push API, in the spirit of
// net/http/httptest and franz-go's kfake: a real HTTP server on 127.0.0.1 that speaks the same
// endpoint, auth header, limits, response shapes and validation rules as
// https://api.ometria.com/v2, stores what it accepts, and can be steered to fail.
//
//	srv := ometriatest.NewServer(ometriatest.Config{}, ometriatest.Account{Name: "acme", Key: "k1"})
//	defer srv.Close()
//	// point the client at srv.URL() (".../v2") with srv.Client(), push, then inspect:
//	srv.Records("acme")             // what was stored, merged by id
//	srv.Rejections("acme")          // what GET /v2/push/_errors would list
//	srv.MaxRequestsPerSecond("acme")
//	srv.SetFaults(ometriatest.Faults{Rate429: 0.2})
//
// Endpoints: POST /v2/push (push.go lists its steps), GET /v2/push/_errors (the newest 100
// rejections, newest first), and the unauthenticated test controls under /_emulator/
// (control.go) used by the ometria-emulator binary. GET /v2/push/{request_id} is 404: Ometria
// documents no request status endpoint.
//
// Where Ometria's documentation is silent, the emulator makes a documented choice, most of
// them configurable through Config: the success status (200), the error body shape, 400 for
// body errors and mixed types, 413 for an oversized body, no Retry-After, null handling,
// top-level merging, the required fields of each record type (schema*.go), the order status
// set, and 60 KB records rejected alone rather than failing the request.
package ometriatest

import (
	"net/http"
	"net/http/httptest"
	"strings"
)

// Server is an Emulator served by an httptest.Server on 127.0.0.1. It embeds *Emulator, so
// the inspection, fault and account methods (Records, Requests, SetFaults, AddAccount, …) are
// methods of Server.
type Server struct {
	*Emulator
	ts *httptest.Server
}

// NewServer starts and returns a Server that knows accounts. Close it when done.
func NewServer(cfg Config, accounts ...Account) *Server {
	s := NewUnstartedServer(cfg, accounts...)
	s.Start()
	return s
}

// NewUnstartedServer returns a Server that is not started yet; call Start or StartTLS.
func NewUnstartedServer(cfg Config, accounts ...Account) *Server {
	e := New(cfg, accounts...)
	return &Server{Emulator: e, ts: httptest.NewUnstartedServer(e)}
}

// Start starts a server from NewUnstartedServer.
func (s *Server) Start() { s.ts.Start() }

// StartTLS starts a server from NewUnstartedServer on HTTPS; Client trusts its certificate.
func (s *Server) StartTLS() { s.ts.StartTLS() }

// URL returns the base URL including "/v2", such as "http://127.0.0.1:41234/v2": what a
// client sets as its Ometria base URL. It is "" until the server starts.
func (s *Server) URL() string {
	if s.ts.URL == "" {
		return ""
	}
	return s.ts.URL + "/v2"
}

// ControlURL returns the root URL of the server, under which /_emulator/ is served.
func (s *Server) ControlURL() string { return strings.TrimSuffix(s.URL(), "/v2") }

// Client returns an HTTP client configured for the server (it trusts the StartTLS certificate).
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Close shuts the server down and blocks until all outstanding requests have finished.
func (s *Server) Close() { s.ts.Close() }

// Handler returns the handler the server serves: its Emulator.
func (s *Server) Handler() http.Handler { return s.Emulator }
