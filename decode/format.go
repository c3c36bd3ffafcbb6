package decode

import "fmt"

// Format is how the values of a topic are written.
type Format string

// The formats. The zero Format is JSON.
const (
	// JSON is a plain JSON event, given to the mapper as it is.
	JSON Format = "json"
	// JSONSchema is a JSON event in the Confluent wire format: a zero byte, a 4-byte
	// big-endian schema id, then the JSON. The header is removed; the id is checked
	// with the registry when the Decoder has one.
	JSONSchema Format = "json-schema"
	// Avro is an Avro event in the Confluent wire format, decoded with the writer's
	// schema, which the registry gives by its id, into JSON.
	Avro Format = "avro"
)

// Formats lists the formats, in a stable order.
func Formats() []Format { return []Format{JSON, JSONSchema, Avro} }

// ParseFormat returns the Format named s; "" is JSON.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case "":
		return JSON, nil
	case JSON, JSONSchema, Avro:
		return f, nil
	}
	return "", fmt.Errorf("%q is not a format (json, json-schema or avro)", s)
}

// Framed reports whether values of f carry the Confluent wire format's header.
func (f Format) Framed() bool { return f == JSONSchema || f == Avro }
