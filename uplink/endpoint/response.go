package endpoint

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/tidegate/tidegate/uplink"
)

// ResponseError is a response that is not a delivery: a status other than
// 200, or a 200 that breaks the protocol.
type ResponseError struct {
	// Code is CodeDestinationException, CodeInvalidResponse or
	// CodeResponseTooLarge.
	Code       string
	StatusCode int
	RequestID  string
	// Message is the response's errorMessage, else a prefix of its body,
	// else what was wrong with it.
	Message string
}

// ErrorCode is the Firehose error code an error record carries for it.
func (e *ResponseError) ErrorCode() string { return e.Code }

func (e *ResponseError) Error() string {
	return fmt.Sprintf("endpoint: request %s: %s: %d: %s", e.RequestID, e.Code, e.StatusCode, e.Message)
}

// responseBody is the response schema; Timestamp is kept raw to tell a
// number from a string.
type responseBody struct {
	RequestID    *string         `json:"requestId"`
	Timestamp    json.RawMessage `json:"timestamp"`
	ErrorMessage string          `json:"errorMessage"`
}

// checkResponse reads and judges a response, and closes its body. Only a
// 200 whose body carries the request's id and a numeric timestamp is a
// delivery, as Firehose has it; 413 is permanent; anything else is retried.
// A 5xx, another 2xx or a 200 that breaks the protocol is MaybeDelivered:
// the endpoint may have taken the records before it failed to say so. A
// 3xx or 4xx says they were not taken.
func checkResponse(resp *http.Response, id string) error {
	err := judgeResponse(resp, id)
	if err != nil && (resp.StatusCode >= 500 || resp.StatusCode/100 == 2) {
		return uplink.MaybeDelivered(err)
	}
	return err
}

func judgeResponse(resp *http.Response, id string) error {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseSize+1))
	if err != nil {
		return transportError(id, "", err)
	}
	fail := func(code, format string, args ...any) error {
		return &ResponseError{Code: code, StatusCode: resp.StatusCode, RequestID: id, Message: fmt.Sprintf(format, args...)}
	}
	if len(body) > MaxResponseSize {
		return fail(CodeResponseTooLarge, "response body over %d bytes", MaxResponseSize)
	}
	// Drain what is left so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))

	if resp.StatusCode != http.StatusOK {
		err := fail(CodeDestinationException, "%s", describeFailure(body))
		if resp.StatusCode == http.StatusRequestEntityTooLarge {
			// Firehose does not retry a 413: the same body would be refused
			// again. Lowering max_request_size is the cure.
			return uplink.Permanent(CodeDestinationException, err)
		}
		return err
	}

	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return fail(CodeInvalidResponse, "content type %q, want application/json", resp.Header.Get("Content-Type"))
	}
	if ce := resp.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return fail(CodeInvalidResponse, "content encoding %q: the response must not be encoded", ce)
	}
	var rb responseBody
	if err := json.Unmarshal(body, &rb); err != nil {
		return fail(CodeInvalidResponse, "body is not the response JSON: %v; body: %s", err, snippet(body))
	}
	switch {
	case rb.RequestID == nil:
		return fail(CodeInvalidResponse, "requestId missing")
	case *rb.RequestID != id:
		return fail(CodeInvalidResponse, "requestId %q does not match the request's", snippet([]byte(*rb.RequestID)))
	case len(rb.Timestamp) == 0 || bytes.Equal(rb.Timestamp, []byte("null")):
		return fail(CodeInvalidResponse, "timestamp missing")
	case !isJSONNumber(rb.Timestamp):
		return fail(CodeInvalidResponse, "timestamp %s is not a number", snippet(rb.Timestamp))
	}
	return nil
}

// describeFailure is the errorMessage of a failure response, else a prefix
// of its body.
func describeFailure(body []byte) string {
	var rb responseBody
	if json.Unmarshal(body, &rb) == nil && rb.ErrorMessage != "" {
		return snippet([]byte(rb.ErrorMessage))
	}
	if len(body) == 0 {
		return "(no body)"
	}
	return snippet(body)
}

// snippet is b made safe and short for an error message.
func snippet(b []byte) string {
	const max = 512
	cut := len(b) > max
	if cut {
		b = b[:max]
	}
	s := strings.Map(func(r rune) rune {
		if r == utf8.RuneError || r < ' ' || r == 0x7f {
			return '?'
		}
		return r
	}, string(b))
	if cut {
		s += "…"
	}
	return s
}

func isJSONNumber(raw json.RawMessage) bool {
	var n json.Number
	return len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') && json.Unmarshal(raw, &n) == nil
}

// TransportError is a request that got no response: no connection, a
// reset, a timeout, a failed TLS handshake.
type TransportError struct {
	// Code is CodeConnectionFailed, CodeConnectionReset, CodeRequestTimeout
	// or CodeSSLHandshakeFailure.
	Code      string
	RequestID string
	// URL is the endpoint without query or user info.
	URL string
	Err error
}

func (e *TransportError) Error() string {
	where := ""
	if e.URL != "" {
		where = " to " + e.URL
	}
	return fmt.Sprintf("endpoint: request %s%s: %s: %v", e.RequestID, where, e.Code, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// ErrorCode is the Firehose error code an error record carries for it.
func (e *TransportError) ErrorCode() string { return e.Code }

// transportError wraps a failed round trip with its Firehose code and
// classifies it. The url.Error the client returns is unwrapped: it quotes
// the whole URL, which may carry a token.
func transportError(id, logURL string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return uplink.Classify(&TransportError{Code: transportCode(err), RequestID: id, URL: logURL, Err: err})
}

// transportCode names a transport failure as Firehose's error records do.
func transportCode(err error) string {
	var tlsRecord tls.RecordHeaderError
	var tlsAlert tls.AlertError
	var tlsVerify *tls.CertificateVerificationError
	switch {
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return CodeRequestTimeout
	case errors.As(err, &tlsRecord), errors.As(err, &tlsAlert), errors.As(err, &tlsVerify):
		return CodeSSLHandshakeFailure
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.EPIPE):
		return CodeConnectionReset
	}
	return CodeConnectionFailed
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// errorCode is the code a failed request's records carry in a
// PartialError.
func errorCode(err error) string {
	if code, ok := uplink.IsPermanent(err); ok && code != "" {
		return code
	}
	var re *ResponseError
	if errors.As(err, &re) {
		return re.Code
	}
	var te *TransportError
	if errors.As(err, &te) {
		return te.Code
	}
	return CodeConnectionFailed
}
