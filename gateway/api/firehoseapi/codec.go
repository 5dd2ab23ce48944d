package firehoseapi

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
)

// contentJSON is the AWS JSON 1.1 protocol that every Firehose client
// speaks (the Java SDKs use CBOR only for Kinesis, not for Firehose).
const contentJSON = "application/x-amz-json-1.1"

// jsonCodec reads AWS JSON 1.1, and the 1.0 and plain JSON types
// hand-made clients send, and writes AWS JSON 1.1 without encoding/json's
// HTML escaping.
type jsonCodec struct{}

func (jsonCodec) ContentType() string { return contentJSON }

func (jsonCodec) Accepts(mediaType string) bool { return awsjson.JSONMediaType(mediaType) }

func (jsonCodec) Unmarshal(body []byte, v any) error { return json.Unmarshal(body, v) }

func (jsonCodec) Marshal(dst []byte, v any) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return dst, err
	}
	b := buf.Bytes()
	return b[:len(b)-1], nil // Encode's trailing newline
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
