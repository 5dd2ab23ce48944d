package kinesisapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
)

// Content types of the two wire encodings.
const (
	contentJSON = "application/x-amz-json-1.1"
	contentCBOR = "application/x-amz-cbor-1.1"
)

// jsonCodec is AWS JSON 1.1, what the AWS CLI and the Go, Python and
// JavaScript SDKs send.
type jsonCodec struct{}

// fastJSON is implemented by the inputs of the hot operations, which decode
// themselves several times faster than encoding/json does.
type fastJSON interface{ unmarshalFastJSON(body []byte) error }

// appendJSON is implemented by the outputs of the hot operations.
type appendJSON interface{ appendJSON(dst []byte) []byte }

func (jsonCodec) ContentType() string { return contentJSON }

func (jsonCodec) Accepts(mediaType string) bool { return awsjson.JSONMediaType(mediaType) }

func (jsonCodec) Unmarshal(body []byte, v any) error {
	if f, ok := v.(fastJSON); ok {
		return f.unmarshalFastJSON(body)
	}
	return json.Unmarshal(body, v)
}

func (jsonCodec) Marshal(dst []byte, v any) ([]byte, error) {
	if f, ok := v.(appendJSON); ok {
		return f.appendJSON(dst), nil
	}
	buf := bytes.NewBuffer(dst)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return dst, err
	}
	b := buf.Bytes()
	return b[:len(b)-1], nil // Encode's trailing newline
}

// cborCodec is AWS CBOR 1.1, the Java SDKs' default.
type cborCodec struct{}

var (
	cborDec = mustDecMode(cbor.DecOptions{
		MaxNestedLevels:  16,
		MaxArrayElements: 65536,
		MaxMapPairs:      65536,
		IndefLength:      cbor.IndefLengthAllowed, // Jackson's CBOR generator writes indefinite-length maps
		DupMapKey:        cbor.DupMapKeyQuiet,
	})
	cborEnc = mustEncMode(cbor.EncOptions{})
)

func mustDecMode(o cbor.DecOptions) cbor.DecMode {
	m, err := o.DecMode()
	if err != nil {
		panic(err)
	}
	return m
}

func mustEncMode(o cbor.EncOptions) cbor.EncMode {
	m, err := o.EncMode()
	if err != nil {
		panic(err)
	}
	return m
}

func (cborCodec) ContentType() string { return contentCBOR }

func (cborCodec) Accepts(mediaType string) bool { return mediaType == contentCBOR }

func (cborCodec) Unmarshal(body []byte, v any) error { return cborDec.Unmarshal(body, v) }

func (cborCodec) Marshal(dst []byte, v any) ([]byte, error) {
	b, err := cborEnc.Marshal(v)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

// errorBody is the AWS error shape, in either encoding: the payload of an
// event stream's exception.
type errorBody struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

// timestamp is a point in time on the wire: epoch seconds in JSON, tag 1
// around epoch milliseconds in CBOR (see the package documentation).
type timestamp struct{ time.Time }

// appendJSONTime writes epoch seconds with millisecond fraction, the form
// Kinesis sends and every SDK parses.
func appendJSONTime(dst []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	if ms < 0 {
		return strconv.AppendFloat(dst, float64(ms)/1000, 'f', 3, 64)
	}
	dst = strconv.AppendInt(dst, ms/1000, 10)
	frac := ms % 1000
	return append(dst, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
}

func (t timestamp) MarshalJSON() ([]byte, error) { return appendJSONTime(nil, t.Time), nil }

func (t *timestamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return t.setSeconds(f)
		}
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return fmt.Errorf("timestamp %q is neither epoch seconds nor RFC 3339", s)
		}
		t.Time = v
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("timestamp %s is not a number", b)
	}
	return t.setSeconds(f)
}

// maxEpochSeconds keeps times inside what time.Time and the engine's
// positions represent (the year 2248).
const maxEpochSeconds = 8.7e9

func (t *timestamp) setSeconds(f float64) error {
	if math.IsNaN(f) || math.Abs(f) > maxEpochSeconds {
		return fmt.Errorf("timestamp %v is out of range", f)
	}
	t.Time = time.UnixMilli(int64(math.Round(f * 1000)))
	return nil
}

func (t timestamp) MarshalCBOR() ([]byte, error) {
	return cborEnc.Marshal(cbor.Tag{Number: 1, Content: t.UnixMilli()})
}

// msThreshold separates milliseconds from seconds in an integer timestamp:
// 10^11 seconds is the year 5138, 10^11 ms is March 1973.
const msThreshold = 1e11

func (t *timestamp) UnmarshalCBOR(b []byte) error {
	var v any
	if len(b) > 0 && b[0]>>5 == 6 { // a tag
		var tag cbor.RawTag
		if err := cborDec.Unmarshal(b, &tag); err != nil {
			return err
		}
		if tag.Number != 0 && tag.Number != 1 {
			return fmt.Errorf("timestamp has CBOR tag %d, want 1", tag.Number)
		}
		b = tag.Content
	}
	if err := cborDec.Unmarshal(b, &v); err != nil {
		return err
	}
	switch n := v.(type) {
	case nil:
		return nil
	case uint64:
		if n > math.MaxInt64 {
			return errors.New("timestamp out of range")
		}
		return t.setInt(int64(n))
	case int64:
		return t.setInt(n)
	case float64:
		return t.setSeconds(n)
	case float32:
		return t.setSeconds(float64(n))
	case string:
		p, err := time.Parse(time.RFC3339Nano, n)
		if err != nil {
			return fmt.Errorf("timestamp %q is not RFC 3339", n)
		}
		t.Time = p
		return nil
	}
	return fmt.Errorf("timestamp is a %T, want a number", v)
}

func (t *timestamp) setInt(n int64) error {
	if n >= msThreshold || n <= -msThreshold {
		if float64(n)/1000 > maxEpochSeconds || float64(n)/1000 < -maxEpochSeconds {
			return fmt.Errorf("timestamp %d is out of range", n)
		}
		t.Time = time.UnixMilli(n)
		return nil
	}
	t.Time = time.Unix(n, 0)
	return nil
}
