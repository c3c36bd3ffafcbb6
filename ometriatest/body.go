package ometriatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
)

// Request body rules of POST /v2/push. A broken rule fails the whole request with 400 (413
// for an oversized body); Ometria documents none of these statuses.
//
//	Content-Type        application/json, parameters such as charset allowed
//	size                at most 100 records × 64 KiB + 64 KiB, else 413
//	body                a JSON array of 1..100 elements
//	each element        a JSON object with a string "@type"
//	"@type"             one value per request unless Config.AllowMixedTypes
//
// A record over 60 KB (61440 bytes of its compacted JSON) does not fail the request: it is
// rejected alone with "Payload invalid: Record is too large.", like a record that breaks its
// schema.
const (
	maxRecords     = 100
	maxRecordBytes = 60 << 10
	maxBodyBytes   = maxRecords*(64<<10) + 64<<10
)

// pushed is one record of a push body.
type pushed struct {
	typ    string
	fields map[string]any // numbers are json.Number
	size   int            // bytes of the compacted JSON
}

// requestError is a failure of the whole request.
type requestError struct {
	status int
	msg    string
}

// readBody reads the body of r up to maxBodyBytes. tooLarge reports a longer body.
func readBody(r *http.Request) (body []byte, tooLarge bool, err error) {
	body, err = io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if len(body) > maxBodyBytes {
		return nil, true, err
	}
	return body, false, err
}

// splitArray returns the elements of body when it is a JSON array.
func splitArray(body []byte) ([]json.RawMessage, bool) {
	var elems []json.RawMessage
	if err := json.Unmarshal(body, &elems); err != nil || elems == nil {
		return nil, false
	}
	return elems, true
}

// parseBody checks the request-level rules and decodes the records.
func (e *Emulator) parseBody(contentType string, body []byte, tooLarge bool) ([]pushed, *requestError) {
	bad := func(format string, args ...any) *requestError {
		return &requestError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/json" {
		return nil, bad("Content-Type must be application/json, not %q", contentType)
	}
	if tooLarge {
		return nil, &requestError{http.StatusRequestEntityTooLarge,
			fmt.Sprintf("request body is larger than %d bytes", maxBodyBytes)}
	}
	if !json.Valid(body) {
		return nil, bad("body is not valid JSON")
	}
	elems, ok := splitArray(body)
	if !ok {
		return nil, bad("body must be a JSON array of records, even for one record")
	}
	if len(elems) == 0 || len(elems) > maxRecords {
		return nil, bad("body holds %d records; a push holds 1 to %d", len(elems), maxRecords)
	}
	records := make([]pushed, len(elems))
	types := []string{}
	for i, raw := range elems {
		var v any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		_ = dec.Decode(&v) // raw is valid JSON
		fields, ok := v.(map[string]any)
		if !ok {
			return nil, bad("record %d is not a JSON object", i)
		}
		typ, ok := fields["@type"].(string)
		if !ok {
			return nil, bad("record %d has no string \"@type\"", i)
		}
		var compact bytes.Buffer
		_ = json.Compact(&compact, raw)
		records[i] = pushed{typ: typ, fields: fields, size: compact.Len()}
		if !slices.Contains(types, typ) {
			types = append(types, typ)
		}
	}
	if len(types) > 1 && !e.cfg.AllowMixedTypes {
		return nil, bad("a push must hold one object type, not %s", strings.Join(types, ", "))
	}
	return records, nil
}

// typesOf returns the distinct @type values of records, comma separated, in order of appearance.
func typesOf(records []pushed) string {
	var types []string
	for _, r := range records {
		if !slices.Contains(types, r.typ) {
			types = append(types, r.typ)
		}
	}
	return strings.Join(types, ",")
}
