package awsjson

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// jsonCodec is the plain encoding/json codec a service without a fast
// path would bring.
type jsonCodec struct{}

func (jsonCodec) ContentType() string                { return "application/x-amz-json-1.1" }
func (jsonCodec) Accepts(mt string) bool             { return JSONMediaType(mt) }
func (jsonCodec) Unmarshal(body []byte, v any) error { return json.Unmarshal(body, v) }
func (jsonCodec) Marshal(dst []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	return append(dst, b...), err
}

// upperCodec is a second encoding: JSON whose keys and values arrive in
// upper case, enough to tell which codec decoded a request.
type upperCodec struct{}

func (upperCodec) ContentType() string    { return "application/x-test-upper" }
func (upperCodec) Accepts(mt string) bool { return mt == "application/x-test-upper" }
func (upperCodec) Unmarshal(body []byte, v any) error {
	return json.Unmarshal(bytes.ToLower(body), v)
}
func (upperCodec) Marshal(dst []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	return append(dst, bytes.ToUpper(b)...), err
}

type echoIn struct {
	Name string `json:"name"`
}

type echoOut struct {
	Hello string `json:"hello"`
}

// calls records what Metrics observed.
type calls struct {
	mu  sync.Mutex
	got [][2]string
}

func (c *calls) Request(op, errType string, _ time.Duration) {
	c.mu.Lock()
	c.got = append(c.got, [2]string{op, errType})
	c.mu.Unlock()
}

func (c *calls) last() [2]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.got) == 0 {
		return [2]string{}
	}
	return c.got[len(c.got)-1]
}

// answer is a response as the client sees it.
type answer struct {
	status  int
	header  http.Header
	body    []byte
	errBody struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
}

// call sends a request to h and reads the answer; a JSON error body is
// decoded into errBody.
func call(t testing.TB, h http.Handler, method, path, contentType, target string, body []byte) answer {
	t.Helper()
	r := httptest.NewRequest(method, path, bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if target != "" {
		r.Header.Set("X-Amz-Target", target)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	a := answer{status: res.StatusCode, header: res.Header, body: b}
	if res.StatusCode != http.StatusOK && res.Header.Get("Content-Type") != "application/x-test-upper" {
		if err := json.Unmarshal(b, &a.errBody); err != nil {
			t.Fatalf("error body %q is not JSON: %v", b, err)
		}
	}
	return a
}
