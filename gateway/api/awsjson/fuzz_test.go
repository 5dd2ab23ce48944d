package awsjson

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"unicode/utf8"
)

// FuzzServe feeds a service arbitrary methods, paths, content types,
// targets and bodies. Whatever comes in, the answer is a success of the
// operation or an AWS-shaped error: a status AWS uses, X-Amzn-Errortype
// equal to the body's __type, a JSON body that parses, and a request id;
// never a panic.
func FuzzServe(f *testing.F) {
	f.Add("POST", "/", "application/x-amz-json-1.1", prefix+"Echo", []byte(`{"name":"x"}`))
	f.Add("POST", "/", "application/x-amz-json-1.1; charset=utf-8", prefix+"Fail", []byte(`{"name":"\u00e9"}`))
	f.Add("POST", "/", "application/x-test-upper", prefix+"Boom", []byte(`{"NAME":"X"}`))
	f.Add("PUT", "/x", "text/plain", "", []byte{})
	f.Add("POST", "/", "application/json", prefix+"Engine", []byte(`{"name":`))
	f.Add("POST", "/", "multipart/form-data; boundary=\x00", prefix, []byte(`[]`))
	f.Add("POST", "/", "application/json", "\xff"+prefix+"Echo", bytes.Repeat([]byte("x"), 100))
	f.Fuzz(func(t *testing.T, method, path, contentType, target string, body []byte) {
		s, _, _, _ := testService(t)
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		r.Method = method
		r.URL.Path = path
		r.Header["Content-Type"] = []string{contentType}
		r.Header["X-Amz-Target"] = []string{target}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Header().Get("X-Amzn-Requestid") == "" {
			t.Fatal("no request id")
		}
		if w.Code == http.StatusOK {
			return
		}
		switch w.Code {
		case 400, 403, 500, 503:
		default:
			t.Fatalf("status %d", w.Code)
		}
		if w.Header().Get("Content-Type") == "application/x-test-upper" {
			return // upper-cased JSON
		}
		var eb struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &eb); err != nil || eb.Type == "" || eb.Type != w.Header().Get("X-Amzn-Errortype") {
			t.Fatalf("error body %q (%v), X-Amzn-Errortype %q", w.Body, err, w.Header().Get("X-Amzn-Errortype"))
		}
		if len(eb.Message) > 1024 || !utf8.ValidString(eb.Message) {
			t.Fatalf("message of %d bytes: %q", len(eb.Message), eb.Message)
		}
	})
}
