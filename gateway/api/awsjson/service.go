package awsjson

import (
	"bytes"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Service serves one AWS-compatible API: a set of operations under one
// protocol (see the package documentation). Set the fields, then serve;
// do not change them while serving, and do not copy a Service.
type Service struct {
	// Name starts log messages ("kinesis: PutRecords").
	Name string
	// TargetPrefix ("Kinesis_20131202.") makes the service awsJson1.1:
	// operations named by X-Amz-Target. Empty makes it restJson1:
	// operations named by the request path.
	TargetPrefix string
	// Operations are keyed by operation name (awsJson1.1: "PutRecords") or
	// by path (restJson1: "/listFragments"); the key is the operation's
	// label in logs and metrics.
	Operations map[string]Operation
	// Codecs are tried in order on the request's Content-Type; the first
	// also answers requests whose content type none accepts. At least one.
	Codecs []Codec
	// MaxRequestBytes bounds a request body; 0 means DefaultMaxRequestBytes.
	MaxRequestBytes int64
	// Auth, when set, is called for every request with the whole body
	// before anything is decoded; an error refuses the request (AuthError
	// says how it is rendered).
	Auth func(r *http.Request, body []byte) error
	// MapError turns an error of the service's engine into what the client
	// sees (see ErrorFor); nil, or a nil result, means InternalFailure.
	MapError func(err error) *Error
	Logger   *slog.Logger // nil: discard
	Metrics  Metrics      // nil: discard

	bufs sync.Pool // of *[]byte response buffers
}

// Metrics observes every call. Label values stay bounded: the operation is
// a key of Operations or "unknown", the error type one the service sends.
type Metrics interface {
	// Request observes one call: its operation, the AWS error type it
	// failed with ("" on success) and how long it took (for a streaming
	// operation, the whole stream).
	Request(operation, errorType string, latency time.Duration)
}

// DefaultMaxRequestBytes is the body limit of a Service that sets none.
const DefaultMaxRequestBytes = 1 << 20

// unknownOperation labels requests that name no operation of the service.
const unknownOperation = "unknown"

// ServeHTTP answers one request.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	op, errType := s.serve(w, r)
	if s.Metrics != nil {
		s.Metrics.Request(op, errType, time.Since(start))
	}
}

// serve handles a request and returns the operation's label and the error
// type sent, if any.
func (s *Service) serve(w http.ResponseWriter, r *http.Request) (name, errType string) {
	w.Header().Set("X-Amzn-Requestid", requestID())
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return unknownOperation, s.writeError(w, s.Codecs[0], &Error{Type: TypeAccessDenied,
			Message: "Unable to determine service/operation name to be authorized", Status: http.StatusForbidden})
	}
	c := s.codecFor(r.Header.Get("Content-Type"))
	if c == nil {
		return unknownOperation, s.writeError(w, s.Codecs[0], NewError(TypeUnknownOperation,
			"Content-Type %q is not supported: send %s", Truncate(r.Header.Get("Content-Type"), 100), s.contentTypes()))
	}
	name, op, rerr := s.route(r)
	if rerr != nil {
		return unknownOperation, s.writeError(w, c, rerr)
	}
	body, berr := s.readBody(w, r)
	if berr != nil {
		return name, s.writeError(w, c, berr)
	}
	if s.Auth != nil {
		if err := s.Auth(r, body); err != nil {
			return name, s.writeError(w, c, AuthError(err))
		}
	}
	return name, op.run(s, w, r, c, name, body)
}

func (s *Service) codecFor(header string) Codec {
	mt, _, err := mime.ParseMediaType(header)
	if err != nil {
		return nil
	}
	for _, c := range s.Codecs {
		if c.Accepts(mt) {
			return c
		}
	}
	return nil
}

func (s *Service) contentTypes() string {
	types := make([]string, len(s.Codecs))
	for i, c := range s.Codecs {
		types[i] = c.ContentType()
	}
	return strings.Join(types, " or ")
}

// route finds the operation a request names.
func (s *Service) route(r *http.Request) (string, Operation, *Error) {
	if s.TargetPrefix == "" {
		if op, ok := s.Operations[r.URL.Path]; ok {
			return r.URL.Path, op, nil
		}
		return "", Operation{}, NewError(TypeUnknownOperation, "Operation %q is not supported by this gateway", Truncate(r.URL.Path, 100))
	}
	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, s.TargetPrefix)
	op, known := s.Operations[name]
	switch {
	case ok && known:
		return name, op, nil
	case target == "":
		return "", Operation{}, NewError(TypeUnknownOperation, "Missing X-Amz-Target header: want %sOperationName", s.TargetPrefix)
	}
	return "", Operation{}, NewError(TypeUnknownOperation, "Operation %q is not supported by this gateway", Truncate(target, 100))
}

// readBody reads the whole body, refusing more than MaxRequestBytes.
func (s *Service) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *Error) {
	limit := s.MaxRequestBytes
	if limit <= 0 {
		limit = DefaultMaxRequestBytes
	}
	var buf bytes.Buffer
	if n := r.ContentLength; n > 0 && n <= limit {
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, NewError(TypeValidation, "Request body is larger than the limit of %d bytes", limit)
	case err != nil:
		return nil, NewError(TypeSerialization, "reading the request body: %v", err)
	}
	return buf.Bytes(), nil
}

// writeOutput sends an operation's output, encoded whole first.
func (s *Service) writeOutput(w http.ResponseWriter, c Codec, name string, out any) string {
	buf := s.getBuf()
	defer s.putBuf(buf)
	b, err := c.Marshal((*buf)[:0], out)
	if err != nil {
		return s.fail(w, c, name, err)
	}
	*buf = b
	h := w.Header()
	h.Set("Content-Type", c.ContentType())
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
	return ""
}

// fail logs an operation's error and sends it. Server faults are errors
// in the log; the client's mistakes, and ServiceUnavailable (back
// pressure, not a fault), are debug lines.
func (s *Service) fail(w http.ResponseWriter, c Codec, name string, err error) string {
	e := s.ErrorFor(err)
	s.logFailure(name, e, err)
	return s.writeError(w, c, e)
}

func (s *Service) logFailure(name string, e *Error, err error) {
	if e.Status >= 500 && e.Status != http.StatusServiceUnavailable {
		s.logger().Error(s.Name+": "+name, "err", err)
		return
	}
	s.logger().Debug(s.Name+": "+name, "type", e.Type, "message", e.Message)
}

// errorBody is the awsJson1.1 error shape, in any encoding.
type errorBody struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

// restErrorBody is the restJson1 error shape: the type is in the header.
type restErrorBody struct {
	Message string `json:"message"`
}

// writeError sends an AWS-shaped error and returns its type.
func (s *Service) writeError(w http.ResponseWriter, c Codec, e *Error) string {
	var v any = errorBody{Type: e.Type, Message: e.Message}
	if s.TargetPrefix == "" {
		v = restErrorBody{Message: e.Message}
	}
	ct := c.ContentType()
	b, err := c.Marshal(nil, v)
	if err != nil { // cannot happen for strings; keep the shape anyway
		ct, b = "application/json", []byte(`{"__type":"InternalFailure","message":"internal error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Amzn-Errortype", e.Type)
	w.WriteHeader(e.Status)
	w.Write(b)
	return e.Type
}

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// Response buffers are pooled; big ones (GetRecords of many MiB) are left
// to the garbage collector so an idle gateway stays small.
const maxPooledBuf = 1 << 20

func (s *Service) getBuf() *[]byte {
	if b, ok := s.bufs.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, 0, 64<<10)
	return &b
}

func (s *Service) putBuf(b *[]byte) {
	if cap(*b) <= maxPooledBuf {
		*b = (*b)[:0]
		s.bufs.Put(b)
	}
}
