package receiver

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/tidegate/tidegate/uplink/endpoint"
)

// Request is a request of the protocol, as a receiving hub sees it once
// ParseRequest has checked it.
type Request struct {
	RequestID string
	// Timestamp is when the sender built the request; zero when the body
	// has none (the schema makes it optional).
	Timestamp time.Time
	SourceARN string
	// AccessKey is the header's value, verbatim; comparing it with the
	// expected one (in constant time) is the hub's job.
	AccessKey string
	// CommonAttributes is nil when the header is absent.
	CommonAttributes map[string]string
	// Records holds each record's data, decoded.
	Records [][]byte
	// Gzip tells that the body came gzip-encoded.
	Gzip bool
}

// RequestError is why ParseRequest refused a request, with the status to
// answer it with (WriteResponse uses it).
type RequestError struct {
	Status int
	Reason string
}

func (e *RequestError) Error() string { return "receiver: " + e.Reason }

// maxRequestIDLen bounds the request id a receiver accepts: Firehose sends
// a 36-character GUID; 256 leaves room for other senders and still keeps a
// hostile header out of logs and responses.
const maxRequestIDLen = 256

// ParseRequest reads and checks one request of the protocol, version 1.0:
// POST, the version header, a request id header equal to the body's
// requestId, a JSON content type, no content encoding but gzip, a body of at
// most maxBytes before compression (maxBytes <= 0 or above 64 MiB means
// 64 MiB), 1-10,000 records of valid base64, at most 1,024,000 bytes each,
// and well-formed access key and common attributes headers. Its errors are
// *RequestError.
func ParseRequest(r *http.Request, maxBytes int64) (*Request, error) {
	bad := func(status int, format string, args ...any) error {
		return &RequestError{Status: status, Reason: fmt.Sprintf(format, args...)}
	}
	if maxBytes <= 0 || maxBytes > endpoint.MaxBodySize {
		maxBytes = endpoint.MaxBodySize
	}
	if r.Method != http.MethodPost {
		return nil, bad(http.StatusMethodNotAllowed, "method %s: the protocol POSTs", r.Method)
	}
	h := r.Header
	if v := h.Values(endpoint.HeaderProtocolVersion); len(v) != 1 || v[0] != endpoint.ProtocolVersion {
		return nil, bad(http.StatusBadRequest, "%s %q: want %s", endpoint.HeaderProtocolVersion, v, endpoint.ProtocolVersion)
	}
	req := &Request{
		RequestID: h.Get(endpoint.HeaderRequestID),
		SourceARN: h.Get(endpoint.HeaderSourceARN),
		AccessKey: h.Get(endpoint.HeaderAccessKey),
	}
	if id := req.RequestID; id == "" || len(id) > maxRequestIDLen || !printableASCII(id) {
		return nil, bad(http.StatusBadRequest, "%s missing, or not 1-%d printable characters", endpoint.HeaderRequestID, maxRequestIDLen)
	}
	if len(req.AccessKey) > endpoint.MaxAccessKeySize {
		return nil, bad(http.StatusBadRequest, "%s of %d bytes is over %d", endpoint.HeaderAccessKey, len(req.AccessKey), endpoint.MaxAccessKeySize)
	}
	if v := h.Values(endpoint.HeaderCommonAttributes); len(v) > 0 {
		attrs, err := parseCommonAttributes(v)
		if err != nil {
			return nil, bad(http.StatusBadRequest, "%s: %v", endpoint.HeaderCommonAttributes, err)
		}
		req.CommonAttributes = attrs
	}
	if mt, _, err := mime.ParseMediaType(h.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, bad(http.StatusUnsupportedMediaType, "content type %q: want application/json", h.Get("Content-Type"))
	}
	switch ce := h.Values("Content-Encoding"); {
	case len(ce) == 0:
	case len(ce) == 1 && ce[0] == "gzip":
		req.Gzip = true
	default:
		return nil, bad(http.StatusUnsupportedMediaType, "content encoding %q: want gzip or none", ce)
	}
	if !req.Gzip && r.ContentLength > maxBytes {
		return nil, bad(http.StatusRequestEntityTooLarge, "body of %d bytes is over %d", r.ContentLength, maxBytes)
	}

	body, err := readBody(r.Body, req.Gzip, maxBytes)
	if err != nil {
		return nil, err
	}
	if err := req.parseBody(body); err != nil {
		return nil, err
	}
	return req, nil
}

// readBody reads the body, gunzipped, refusing more than maxBytes after
// decompression (a gzip bomb stops there).
func readBody(body io.Reader, gz bool, maxBytes int64) ([]byte, error) {
	if body == nil {
		body = http.NoBody
	}
	// A compressed body may outgrow the plain one by a few bytes per block.
	body = io.LimitReader(body, maxBytes+maxBytes/64+1024)
	if gz {
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, &RequestError{Status: http.StatusBadRequest, Reason: fmt.Sprintf("gzip body: %v", err)}
		}
		defer zr.Close()
		body = zr
	}
	var buf bytes.Buffer
	_, err := buf.ReadFrom(io.LimitReader(body, maxBytes+1))
	switch {
	case err != nil && gz:
		return nil, &RequestError{Status: http.StatusBadRequest, Reason: fmt.Sprintf("gzip body: %v", err)}
	case err != nil:
		return nil, &RequestError{Status: http.StatusBadRequest, Reason: fmt.Sprintf("reading body: %v", err)}
	case int64(buf.Len()) > maxBytes:
		return nil, &RequestError{Status: http.StatusRequestEntityTooLarge, Reason: fmt.Sprintf("body over %d bytes", maxBytes)}
	}
	return buf.Bytes(), nil
}

// requestBody is the request schema. Pointers tell a missing field from an
// empty one.
type requestBody struct {
	RequestID *string         `json:"requestId"`
	Timestamp json.RawMessage `json:"timestamp"`
	Records   *[]struct {
		Data *string `json:"data"`
	} `json:"records"`
}

func (req *Request) parseBody(body []byte) error {
	bad := func(format string, args ...any) error {
		return &RequestError{Status: http.StatusBadRequest, Reason: fmt.Sprintf(format, args...)}
	}
	var rb requestBody
	if err := json.Unmarshal(body, &rb); err != nil {
		return bad("body is not the request JSON: %v", err)
	}
	switch {
	case rb.RequestID == nil:
		return bad("body: requestId missing")
	case *rb.RequestID != req.RequestID:
		return bad("body: requestId differs from the %s header", endpoint.HeaderRequestID)
	case rb.Records == nil:
		return bad("body: records missing")
	case len(*rb.Records) == 0 || len(*rb.Records) > endpoint.MaxRecords:
		return bad("body: %d records: want 1-%d", len(*rb.Records), endpoint.MaxRecords)
	}
	if len(rb.Timestamp) > 0 && string(rb.Timestamp) != "null" {
		ms, err := strconv.ParseInt(string(rb.Timestamp), 10, 64)
		if err != nil {
			return bad("body: timestamp %.40s is not an integer of milliseconds", rb.Timestamp)
		}
		req.Timestamp = time.UnixMilli(ms)
	}

	recs := *rb.Records
	total := 0
	for i, r := range recs {
		switch {
		case r.Data == nil:
			return bad("body: record %d: data missing", i)
		case len(*r.Data) > endpoint.MaxRecordDataLen:
			return bad("body: record %d: data of %d characters is over %d", i, len(*r.Data), endpoint.MaxRecordDataLen)
		}
		total += base64.StdEncoding.DecodedLen(len(*r.Data))
	}
	// One allocation for all the records' data.
	arena := make([]byte, total)
	req.Records = make([][]byte, len(recs))
	enc := base64.StdEncoding.Strict()
	off := 0
	for i, r := range recs {
		s := *r.Data
		if !base64Chars(s) {
			return bad("body: record %d: data is not base64", i)
		}
		n, err := enc.Decode(arena[off:], []byte(s))
		if err != nil {
			return bad("body: record %d: data is not base64: %v", i, err)
		}
		req.Records[i] = arena[off : off+n : off+n]
		off += n
	}
	return nil
}

// base64Chars refuses the line breaks the standard decoder skips: the
// protocol's data is one unbroken string.
func base64Chars(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\r' || s[i] == '\n' {
			return false
		}
	}
	return true
}

// parseCommonAttributes reads {"commonAttributes": {name: value, ...}}
// under the protocol's schema.
func parseCommonAttributes(values []string) (map[string]string, error) {
	if len(values) != 1 {
		return nil, errors.New("sent more than once")
	}
	var v struct {
		CommonAttributes *map[string]*string `json:"commonAttributes"`
	}
	if err := json.Unmarshal([]byte(values[0]), &v); err != nil {
		return nil, fmt.Errorf("not a JSON object of string attributes: %w", err)
	}
	if v.CommonAttributes == nil {
		return nil, errors.New("commonAttributes missing")
	}
	m := *v.CommonAttributes
	out := make(map[string]string, len(m))
	for k, val := range m {
		if val == nil {
			return nil, fmt.Errorf("attribute %q: null is not a string", k)
		}
		out[k] = *val
	}
	if err := endpoint.ValidAttributes(out); err != nil {
		return nil, err
	}
	return out, nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
