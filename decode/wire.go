package decode

import (
	"encoding/binary"
	"fmt"

	"github.com/kafka-ometria/kafka-ometria/mapper"
)

// magic is the first byte of a value in the Confluent wire format.
const magic = 0

// headerSize is the length of the wire format's header: the magic byte and the schema id.
const headerSize = 5

// Header reads the Confluent wire format's header of value: the schema id and the
// payload after it. A value shorter than the header, or whose first byte is not 0, is an
// *Error with reason invalid_wire_format.
func Header(value []byte) (id uint32, payload []byte, err error) {
	if len(value) < headerSize {
		return 0, nil, fail(mapper.ReasonInvalidWireFormat, "the message has %d bytes, fewer than the 5 of the wire format's header", len(value))
	}
	if value[0] != magic {
		return 0, nil, fail(mapper.ReasonInvalidWireFormat, "the message starts with byte 0x%02x, not the wire format's magic byte 0", value[0])
	}
	return binary.BigEndian.Uint32(value[1:headerSize]), value[headerSize:], nil
}

// AppendHeader appends the wire format's header for schema id to dst (for producers and tests).
func AppendHeader(dst []byte, id uint32) []byte {
	return binary.BigEndian.AppendUint32(append(dst, magic), id)
}

func fail(r mapper.Reason, format string, args ...any) *Error {
	return &Error{Reason: r, Msg: fmt.Sprintf(format, args...)}
}
