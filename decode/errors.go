package decode

import (
	"errors"
	"fmt"

	"github.com/kafka-ometria/kafka-ometria/mapper"
)

// Error is a permanent decoding failure: the message should be dead-lettered with
// Reason (invalid_wire_format, unknown_schema, unsupported_schema or invalid_avro).
// Retrying cannot help: schemas are immutable, and so is the message.
type Error struct {
	Reason mapper.Reason
	Msg    string
}

func (e *Error) Error() string { return string(e.Reason) + ": " + e.Msg }

// UnavailableError says the registry gave no usable answer: it could not be reached,
// timed out, answered 5xx or something that is not the registry's API, or refused the
// credentials (Unauthorized). It is not the message's fault: the caller waits and tries
// again rather than dead-lettering good data.
type UnavailableError struct {
	ID           uint32 // the schema id asked for
	Status       int    // the HTTP status, 0 when there was no answer
	Unauthorized bool   // 401 or 403: the credentials are wrong or lack the right
	Err          error
}

func (e *UnavailableError) Error() string {
	what := "the schema registry is unavailable"
	if e.Unauthorized {
		what = "the schema registry refuses the credentials (schema_registry.username, password_env/password_file)"
	}
	if e.Status != 0 {
		return fmt.Sprintf("%s: schema id %d: HTTP %d: %v", what, e.ID, e.Status, e.Err)
	}
	return fmt.Sprintf("%s: schema id %d: %v", what, e.ID, e.Err)
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// IsUnavailable reports whether err, or one it wraps, is an *UnavailableError.
func IsUnavailable(err error) bool {
	var u *UnavailableError
	return errors.As(err, &u)
}
