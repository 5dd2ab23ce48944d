package firehoseapi

import (
	"bytes"
	"encoding/json"
	"mime"
	"strconv"
	"strings"
	"time"
)

// contentJSON is the AWS JSON 1.1 protocol that every Firehose client
// speaks (the Java SDKs use CBOR only for Kinesis, not for Firehose).
const contentJSON = "application/x-amz-json-1.1"

// jsonContentType accepts AWS JSON 1.1, and the 1.0 and plain JSON types
// hand-made clients send.
func jsonContentType(header string) bool {
	mt, _, err := mime.ParseMediaType(header)
	if err != nil {
		return false
	}
	switch mt {
	case contentJSON, "application/x-amz-json-1.0", "application/json":
		return true
	}
	return false
}

// decode reads a request body into v. Any failure is the client's:
// SerializationException.
func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return newError(errSerialization, "%s", typeErrorMessage(err))
	}
	return nil
}

// encode renders a response without encoding/json's HTML escaping.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return b[:len(b)-1], nil // Encode's trailing newline
}

// errorBody is the AWS error shape.
type errorBody struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

// timestamp is a point in time on the wire: epoch seconds with a
// millisecond fraction, the form Firehose sends and every SDK parses.
type timestamp struct{ time.Time }

func (t timestamp) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	if ms < 0 {
		return strconv.AppendFloat(nil, float64(ms)/1000, 'f', 3, 64), nil
	}
	dst := strconv.AppendInt(nil, ms/1000, 10)
	frac := ms % 1000
	return append(dst, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10)), nil
}

// typeErrorMessage turns a decoder's complaint into the message of a
// SerializationException without echoing large inputs.
func typeErrorMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if msg == "unexpected end of JSON input" {
		msg = "the request body is empty or truncated: " + msg
	}
	return truncate(msg, 300)
}
