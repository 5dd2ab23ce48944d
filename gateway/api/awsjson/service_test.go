package awsjson

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tidegate/tidegate/gateway/api/sigv4"
)

const prefix = "Test_20240101."

var errEngine = errors.New("engine: over the limit")

// logBuffer collects log lines from concurrent handlers.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testService is a target-routed service with an operation per outcome;
// ran counts the operations that got to run.
func testService(t testing.TB) (*Service, *calls, *logBuffer, *atomic.Int32) {
	m, logs, ran := &calls{}, &logBuffer{}, &atomic.Int32{}
	s := &Service{
		Name: "test", TargetPrefix: prefix, Codecs: []Codec{jsonCodec{}, upperCodec{}},
		MaxRequestBytes: 64,
		Operations: map[string]Operation{
			"Echo": Unary(func(r *http.Request, in *echoIn) (*echoOut, error) {
				ran.Add(1)
				return &echoOut{Hello: "hi " + in.Name}, nil
			}),
			"Fail": Unary(func(r *http.Request, in *echoIn) (*echoOut, error) {
				ran.Add(1)
				return nil, fmt.Errorf("lookup: %w", NewError("ResourceNotFoundException", "Stream %s not found", in.Name))
			}),
			"Engine": Unary(func(r *http.Request, in *echoIn) (*echoOut, error) {
				ran.Add(1)
				return nil, fmt.Errorf("put: %w", errEngine)
			}),
			"Internal": Unary(func(r *http.Request, in *echoIn) (*echoOut, error) {
				ran.Add(1)
				return nil, errors.New("disk on fire")
			}),
			"Canceled": Unary(func(r *http.Request, in *echoIn) (*echoOut, error) {
				ran.Add(1)
				return nil, fmt.Errorf("put: %w", context.Canceled)
			}),
			"Typed": Unary(func(r *http.Request, in *echoIn) (*echoOut, error) {
				ran.Add(1)
				return nil, &sigv4.Error{Type: sigv4.TypeInvalidSignature, Message: "expired"}
			}),
			"Busy": Unary(func(r *http.Request, in *echoIn) (*echoOut, error) {
				ran.Add(1)
				return nil, &Error{Type: "ServiceUnavailableException", Message: "Slow down.", Status: http.StatusServiceUnavailable}
			}),
			"Boom": Unary(func(r *http.Request, in *echoIn) (*echoOut, error) {
				ran.Add(1)
				var m map[string]int
				m[in.Name]++ // a bug: assignment to a nil map
				return nil, nil
			}),
		},
		MapError: func(err error) *Error {
			if errors.Is(err, errEngine) {
				return NewError("LimitExceededException", "%v", err)
			}
			return nil
		},
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Metrics: m,
	}
	return s, m, logs, ran
}

var requestIDRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestDispatchByTarget(t *testing.T) {
	s, m, _, ran := testService(t)
	a := call(t, s, "POST", "/", "application/x-amz-json-1.1", prefix+"Echo", []byte(`{"name":"tide"}`))
	if a.status != 200 || string(a.body) != `{"hello":"hi tide"}` || a.header.Get("Content-Type") != "application/x-amz-json-1.1" {
		t.Fatalf("%d %s %q", a.status, a.header, a.body)
	}
	if a.header.Get("Content-Length") != fmt.Sprint(len(a.body)) {
		t.Errorf("Content-Length %q for %d bytes", a.header.Get("Content-Length"), len(a.body))
	}
	if id := a.header.Get("X-Amzn-Requestid"); !requestIDRe.MatchString(id) {
		t.Errorf("request id %q", id)
	}
	if m.last() != [2]string{"Echo", ""} || ran.Load() != 1 {
		t.Errorf("metrics %v, ran %d", m.last(), ran.Load())
	}
	// Content-Type parameters and the other JSON media types are accepted.
	for _, ct := range []string{"application/x-amz-json-1.0", "application/json; charset=utf-8", "Application/X-Amz-Json-1.1"} {
		if a := call(t, s, "POST", "/", ct, prefix+"Echo", []byte(`{"name":"x"}`)); a.status != 200 {
			t.Errorf("%s: %d %s", ct, a.status, a.body)
		}
	}
}

// The codec is chosen by Content-Type, and answers (errors included) come
// in the request's encoding.
func TestCodecChoice(t *testing.T) {
	s, _, _, _ := testService(t)
	a := call(t, s, "POST", "/", "application/x-test-upper", prefix+"Echo", []byte(`{"NAME":"TIDE"}`))
	if a.status != 200 || string(a.body) != `{"HELLO":"HI TIDE"}` || a.header.Get("Content-Type") != "application/x-test-upper" {
		t.Fatalf("%d %s %q", a.status, a.header, a.body)
	}
	a = call(t, s, "POST", "/", "application/x-test-upper", prefix+"Fail", []byte(`{"NAME":"GHOST"}`))
	if a.status != 400 || string(a.body) != `{"__TYPE":"RESOURCENOTFOUNDEXCEPTION","MESSAGE":"STREAM GHOST NOT FOUND"}` {
		t.Fatalf("%d %q", a.status, a.body)
	}
}

// Requests that cannot reach an operation are refused in the AWS shape,
// and no operation runs.
func TestRefusedBeforeOperation(t *testing.T) {
	for _, tc := range []struct {
		name, method, contentType, target, body string
		status                                  int
		typ, message, metric                    string
	}{
		{"GET", "GET", "application/x-amz-json-1.1", prefix + "Echo", "", 403,
			TypeAccessDenied, "Unable to determine service/operation name to be authorized", "unknown"},
		{"content type", "POST", "text/plain", prefix + "Echo", "{}", 400,
			TypeUnknownOperation, `Content-Type "text/plain" is not supported: send application/x-amz-json-1.1 or application/x-test-upper`, "unknown"},
		{"no content type", "POST", "", prefix + "Echo", "{}", 400,
			TypeUnknownOperation, `Content-Type "" is not supported`, "unknown"},
		{"long content type", "POST", "text/" + strings.Repeat("x", 300), prefix + "Echo", "{}", 400,
			TypeUnknownOperation, strings.Repeat("x", 95) + "…", "unknown"},
		{"missing target", "POST", "application/x-amz-json-1.1", "", "{}", 400,
			TypeUnknownOperation, "Missing X-Amz-Target header: want Test_20240101.OperationName", "unknown"},
		{"unknown operation", "POST", "application/x-amz-json-1.1", prefix + "Nope", "{}", 400,
			TypeUnknownOperation, `Operation "Test_20240101.Nope" is not supported by this gateway`, "unknown"},
		{"other service", "POST", "application/x-amz-json-1.1", "Kinesis_20131202.Echo", "{}", 400,
			TypeUnknownOperation, `Operation "Kinesis_20131202.Echo" is not supported by this gateway`, "unknown"},
		{"bare operation", "POST", "application/x-amz-json-1.1", "Echo", "{}", 400,
			TypeUnknownOperation, `Operation "Echo" is not supported by this gateway`, "unknown"},
		{"body too big", "POST", "application/x-amz-json-1.1", prefix + "Echo", `{"name":"` + strings.Repeat("x", 64) + `"}`, 400,
			TypeValidation, "Request body is larger than the limit of 64 bytes", "Echo"},
		{"not JSON", "POST", "application/x-amz-json-1.1", prefix + "Echo", "{", 400,
			TypeSerialization, "the request body is empty or truncated: unexpected end of JSON input", "Echo"},
		{"empty body", "POST", "application/x-amz-json-1.1", prefix + "Echo", "", 400,
			TypeSerialization, "the request body is empty or truncated", "Echo"},
		{"wrong member type", "POST", "application/x-amz-json-1.1", prefix + "Echo", `{"name":5}`, 400,
			TypeSerialization, "cannot unmarshal number into Go struct field echoIn.name of type string", "Echo"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, m, _, ran := testService(t)
			a := call(t, s, tc.method, "/", tc.contentType, tc.target, []byte(tc.body))
			if a.status != tc.status || a.errBody.Type != tc.typ || !strings.Contains(a.errBody.Message, tc.message) {
				t.Errorf("got %d %s: %q, want %d %s: %q", a.status, a.errBody.Type, a.errBody.Message, tc.status, tc.typ, tc.message)
			}
			if a.header.Get("X-Amzn-Errortype") != tc.typ || a.header.Get("X-Amzn-Requestid") == "" {
				t.Errorf("headers %v", a.header)
			}
			if m.last() != [2]string{tc.metric, tc.typ} {
				t.Errorf("metrics %v, want %s %s", m.last(), tc.metric, tc.typ)
			}
			if ran.Load() != 0 {
				t.Error("the operation ran")
			}
			if tc.method == "GET" && a.header.Get("Allow") != "POST" {
				t.Errorf("Allow %q", a.header.Get("Allow"))
			}
		})
	}
}

func TestOperationErrors(t *testing.T) {
	for _, tc := range []struct {
		op      string
		status  int
		typ     string
		message string
		logged  string // the level of the log line
	}{
		{"Fail", 400, "ResourceNotFoundException", "Stream ghost not found", "DEBUG"},
		{"Engine", 400, "LimitExceededException", "put: engine: over the limit", "DEBUG"},
		{"Typed", 400, sigv4.TypeInvalidSignature, "expired", "DEBUG"},
		{"Busy", 503, "ServiceUnavailableException", "Slow down.", "DEBUG"},
		{"Canceled", 500, TypeInternalFailure, "request canceled: put: context canceled", "ERROR"},
		{"Internal", 500, TypeInternalFailure, "internal error", "ERROR"},
	} {
		t.Run(tc.op, func(t *testing.T) {
			s, m, logs, _ := testService(t)
			a := call(t, s, "POST", "/", "application/x-amz-json-1.1", prefix+tc.op, []byte(`{"name":"ghost"}`))
			if a.status != tc.status || a.errBody.Type != tc.typ || a.errBody.Message != tc.message {
				t.Errorf("got %d %s: %q, want %d %s: %q", a.status, a.errBody.Type, a.errBody.Message, tc.status, tc.typ, tc.message)
			}
			if m.last() != [2]string{tc.op, tc.typ} {
				t.Errorf("metrics %v", m.last())
			}
			if !strings.Contains(logs.String(), "level="+tc.logged+" msg=\"test: "+tc.op+"\"") {
				t.Errorf("log %q, want a %s line", logs.String(), tc.logged)
			}
		})
	}
	// The cause of an internal failure is logged, not sent.
	s, _, logs, _ := testService(t)
	call(t, s, "POST", "/", "application/x-amz-json-1.1", prefix+"Internal", []byte(`{}`))
	if !strings.Contains(logs.String(), "disk on fire") {
		t.Errorf("log %q lacks the cause", logs.String())
	}
}

// A panicking operation costs its request an InternalFailure, logged with
// its stack; the service keeps serving.
func TestPanicIsInternalFailure(t *testing.T) {
	s, m, logs, _ := testService(t)
	a := call(t, s, "POST", "/", "application/x-amz-json-1.1", prefix+"Boom", []byte(`{"name":"x"}`))
	if a.status != 500 || a.errBody.Type != TypeInternalFailure || a.errBody.Message != "internal error" {
		t.Fatalf("%d %+v", a.status, a.errBody)
	}
	if m.last() != [2]string{"Boom", TypeInternalFailure} {
		t.Errorf("metrics %v", m.last())
	}
	log := logs.String()
	if !strings.Contains(log, "level=ERROR") || !strings.Contains(log, "assignment to entry in nil map") || !strings.Contains(log, "service_test.go") {
		t.Errorf("log %q: want the panic and its stack", log)
	}
	if a := call(t, s, "POST", "/", "application/x-amz-json-1.1", prefix+"Echo", []byte(`{"name":"x"}`)); a.status != 200 {
		t.Errorf("after the panic: %d %s", a.status, a.body)
	}
}

// A codec that panics is contained like an operation.
func TestCodecPanicIsInternalFailure(t *testing.T) {
	s, _, _, _ := testService(t)
	s.Codecs = []Codec{panicCodec{}}
	a := call(t, s, "POST", "/", "application/x-amz-json-1.1", prefix+"Echo", []byte(`{}`))
	if a.status != 500 || a.header.Get("X-Amzn-Errortype") != TypeInternalFailure {
		t.Fatalf("%d %s", a.status, a.body)
	}
}

type panicCodec struct{ jsonCodec }

func (panicCodec) Unmarshal([]byte, any) error { panic("codec bug") }

// The Auth hook sees the whole body first; its refusal is rendered by
// AuthError, and the operation does not run.
func TestAuthRefusal(t *testing.T) {
	for _, tc := range []struct {
		name    string
		err     error
		typ     string
		message string
	}{
		{"sigv4", &sigv4.Error{Type: sigv4.TypeUnrecognizedClient, Message: "The security token included in the request is invalid."},
			sigv4.TypeUnrecognizedClient, "The security token included in the request is invalid."},
		{"wrapped sigv4", fmt.Errorf("auth: %w", &sigv4.Error{Type: sigv4.TypeInvalidSignature, Message: "Signature expired"}),
			sigv4.TypeInvalidSignature, "Signature expired"},
		{"typed", typedOnly{}, "IncompleteSignatureException", "no date"},
		{"plain", errors.New("go away"), TypeAccessDenied, "go away"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, m, _, ran := testService(t)
			var seen []byte
			s.Auth = func(r *http.Request, body []byte) error {
				seen = append([]byte(nil), body...)
				return tc.err
			}
			a := call(t, s, "POST", "/", "application/x-amz-json-1.1", prefix+"Echo", []byte(`{"name":"x"}`))
			if a.status != 400 || a.errBody.Type != tc.typ || a.errBody.Message != tc.message || a.header.Get("X-Amzn-Errortype") != tc.typ {
				t.Errorf("got %d %s: %q, want 400 %s: %q", a.status, a.errBody.Type, a.errBody.Message, tc.typ, tc.message)
			}
			if string(seen) != `{"name":"x"}` {
				t.Errorf("Auth saw %q", seen)
			}
			if ran.Load() != 0 || m.last() != [2]string{"Echo", tc.typ} {
				t.Errorf("ran %d, metrics %v", ran.Load(), m.last())
			}
		})
	}
}

// typedOnly knows its AWS type but not a separate message.
type typedOnly struct{}

func (typedOnly) Error() string        { return "IncompleteSignatureException: no date" }
func (typedOnly) AWSErrorType() string { return "IncompleteSignatureException" }

// A restJson1 service (Kinesis Video's protocol) routes by path and sends
// errors as X-Amzn-Errortype and {"message"}.
func TestPathRouting(t *testing.T) {
	m := &calls{}
	s := &Service{
		Name: "video", Codecs: []Codec{jsonCodec{}}, Metrics: m,
		Operations: map[string]Operation{
			"/listFragments": Unary(func(r *http.Request, in *echoIn) (*echoOut, error) {
				return &echoOut{Hello: "fragments of " + in.Name}, nil
			}),
			"/describeStream": Unary(func(r *http.Request, in *echoIn) (*echoOut, error) {
				return nil, NewError("ResourceNotFoundException", "The requested stream %s is not found", in.Name)
			}),
		},
	}
	a := call(t, s, "POST", "/listFragments", "application/json", "", []byte(`{"name":"cam1"}`))
	if a.status != 200 || string(a.body) != `{"hello":"fragments of cam1"}` || m.last() != [2]string{"/listFragments", ""} {
		t.Fatalf("%d %q %v", a.status, a.body, m.last())
	}
	// The target header plays no part.
	a = call(t, s, "POST", "/listFragments", "application/json", "Kinesis_20131202.PutRecord", []byte(`{"name":"cam1"}`))
	if a.status != 200 {
		t.Fatalf("with a target: %d %q", a.status, a.body)
	}
	for _, tc := range []struct {
		path, typ, message string
		status             int
	}{
		{"/describeStream", "ResourceNotFoundException", "The requested stream cam1 is not found", 400},
		{"/getClip", TypeUnknownOperation, `Operation "/getClip" is not supported by this gateway`, 400},
		{"/", TypeUnknownOperation, `Operation "/" is not supported by this gateway`, 400},
	} {
		a := call(t, s, "POST", tc.path, "application/json", "", []byte(`{"name":"cam1"}`))
		if a.status != tc.status || a.header.Get("X-Amzn-Errortype") != tc.typ || string(a.body) != `{"message":"`+strings.ReplaceAll(tc.message, `"`, `\"`)+`"}` {
			t.Errorf("%s: %d %s %q", tc.path, a.status, a.header.Get("X-Amzn-Errortype"), a.body)
		}
	}
}

// A streaming operation writes its own answer; a panic before it started
// is an InternalFailure, a panic after it aborts the connection rather
// than leave the client with half an answer it takes for whole.
func TestStream(t *testing.T) {
	s, m, logs, _ := testService(t)
	s.Operations["Watch"] = Stream(func(w http.ResponseWriter, r *http.Request, c Codec, in *echoIn) error {
		switch in.Name {
		case "refuse":
			return NewError("ResourceInUseException", "busy")
		case "early":
			panic("before the stream")
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "event 1\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			return err
		}
		if in.Name == "late" {
			panic("during the stream")
		}
		io.WriteString(w, "event 2\n")
		return nil
	})
	srv := httptest.NewServer(s)
	defer srv.Close()
	post := func(name string) (*http.Response, []byte, error) {
		req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(`{"name":"`+name+`"}`))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", prefix+"Watch")
		res, err := srv.Client().Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return res, b, err
	}
	res, b, err := post("ok")
	if err != nil || res.StatusCode != 200 || string(b) != "event 1\nevent 2\n" || m.last() != [2]string{"Watch", ""} {
		t.Fatalf("ok: %v %q %v", err, b, m.last())
	}
	res, b, err = post("refuse")
	if err != nil || res.StatusCode != 400 || res.Header.Get("X-Amzn-Errortype") != "ResourceInUseException" || m.last() != [2]string{"Watch", "ResourceInUseException"} {
		t.Fatalf("refuse: %v %v %q", err, res, b)
	}
	res, b, err = post("early")
	if err != nil || res.StatusCode != 500 || !strings.Contains(string(b), TypeInternalFailure) {
		t.Fatalf("early panic: %v %v %q", err, res, b)
	}
	_, b, err = post("late")
	if err == nil {
		t.Fatalf("late panic: the client read %q as a whole answer", b)
	}
	if log := logs.String(); !strings.Contains(log, "during the stream") || !strings.Contains(log, "before the stream") {
		t.Errorf("log %q", log)
	}
}

// Request ids are unique across the services of a process.
func TestRequestIDsUnique(t *testing.T) {
	a, _, _, _ := testService(t)
	b, _, _, _ := testService(t)
	seen := map[string]bool{}
	for i := range 100 {
		s := a
		if i%2 == 1 {
			s = b
		}
		id := call(t, s, "POST", "/", "application/x-amz-json-1.1", prefix+"Echo", []byte(`{}`)).header.Get("X-Amzn-Requestid")
		if seen[id] || !requestIDRe.MatchString(id) {
			t.Fatalf("request id %q repeated or malformed", id)
		}
		seen[id] = true
	}
}
