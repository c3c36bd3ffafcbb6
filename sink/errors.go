package sink

import (
	"errors"
	"fmt"
)

// Errors a record's Done callback receives. Each says what the caller should do.
var (
	// ErrAccountUnavailable: Ometria refused the account's API key (403). The data is good:
	// park the record (the retry topic), never dead-letter it.
	ErrAccountUnavailable = errors.New("sink: Ometria account unavailable: its API key was refused (403)")
	// ErrRetriesExhausted: the record's batch kept failing with retryable errors (429, 5xx,
	// timeouts, connection errors) until the retry budget was spent. Park it.
	ErrRetriesExhausted = errors.New("sink: retry budget spent")
	// ErrNotDone: the sink shut down before the record was pushed. Do not commit its offset.
	ErrNotDone = errors.New("sink: shut down before the record was done")
	// ErrUnknownAccount: the record names an account the sink has no key for.
	ErrUnknownAccount = errors.New("sink: unknown account")
	// ErrClosed is returned by Write after Close.
	ErrClosed = errors.New("sink: closed")
)

// RejectedError is a permanent failure of one record: Ometria rejected it. Dead-letter it.
type RejectedError struct {
	Status  int    // the HTTP status of the push that isolated it (200 with rejected > 0, or 4xx)
	Message string // Ometria's error_message, when /v2/push/_errors has one
	Path    string // Ometria's error_path, e.g. "root > lastname"
	// RequestID is Ometria's request_id of the push that isolated the record, when it
	// gave one (for a support ticket, and for GET /v2/push/_errors).
	RequestID string
}

func (e *RejectedError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "rejected"
	}
	if e.Path != "" {
		return fmt.Sprintf("sink: Ometria rejected the record (status %d): %s at %s", e.Status, msg, e.Path)
	}
	return fmt.Sprintf("sink: Ometria rejected the record (status %d): %s", e.Status, msg)
}

// IsPermanent reports whether err means the record itself is bad (dead-letter it), as
// opposed to an account or availability problem (park it) or a shutdown (read it again).
func IsPermanent(err error) bool {
	var r *RejectedError
	return errors.As(err, &r)
}

// statusError is one failed HTTP attempt.
type statusError struct {
	status int    // 0: no response
	cause  error  // transport error, when status is 0
	body   string // the start of the response body
}

func (e *statusError) Error() string {
	if e.status == 0 {
		return fmt.Sprintf("push failed: %v", e.cause)
	}
	if e.body != "" {
		return fmt.Sprintf("push answered %d: %s", e.status, e.body)
	}
	return fmt.Sprintf("push answered %d", e.status)
}

func (e *statusError) Unwrap() error { return e.cause }
