package receiver

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/tidegate/tidegate/uplink/endpoint"
)

// FuzzParseRequest feeds ParseRequest arbitrary bodies and headers: it must
// refuse with a *RequestError or accept a request that holds together, and
// never panic.
func FuzzParseRequest(f *testing.F) {
	f.Add([]byte(exampleBody), "1.0", "ed4acda5-034f-9f42-bba1-f29aea6d7d8f", false, `{"commonAttributes":{"a":"b"}}`, "key")
	f.Add([]byte(exampleBody), "1.0", "ed4acda5-034f-9f42-bba1-f29aea6d7d8f", true, "", "")
	f.Add([]byte(`{"requestId":"x","records":[{"data":"AA=="}]}`), "1.0", "x", false, "", "")
	f.Add([]byte(`{"requestId":"x","timestamp":-1,"records":[{"data":"////"},{"data":""}]}`), "1.0", "x", true, `{"commonAttributes":{}}`, "")
	f.Add([]byte(`{"requestId":"x","records":[{"data":"A"}]}`), "1.0", "x", false, `{"commonAttributes":null}`, "")
	f.Add([]byte(`{"requestId":"x","records":null}`), "2.0", "x", false, "[]", "")
	f.Add([]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00"), "1.0", "x", false, "", "")
	f.Fuzz(func(t *testing.T, body []byte, version, id string, gz bool, attrs, key string) {
		payload := body
		if gz {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			_, _ = zw.Write(body)
			_ = zw.Close()
			payload = buf.Bytes()
		}
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(payload))
		h := r.Header
		h[endpoint.HeaderProtocolVersion] = []string{version}
		h[endpoint.HeaderRequestID] = []string{id}
		h["Content-Type"] = []string{"application/json"}
		if gz {
			h["Content-Encoding"] = []string{"gzip"}
		}
		if attrs != "" {
			h[endpoint.HeaderCommonAttributes] = []string{attrs}
		}
		if key != "" {
			h[endpoint.HeaderAccessKey] = []string{key}
		}
		req, err := ParseRequest(r, 1<<20)
		if err != nil {
			var re *RequestError
			if !errors.As(err, &re) || re.Status < 400 || re.Status > 499 {
				t.Fatalf("error %v is not a 4xx RequestError", err)
			}
			w := httptest.NewRecorder()
			WriteResponse(w, id, err)
			if w.Code != re.Status {
				t.Fatalf("response status %d, want %d", w.Code, re.Status)
			}
			return
		}
		if req.RequestID != id || len(req.Records) < 1 || len(req.Records) > endpoint.MaxRecords || version != endpoint.ProtocolVersion {
			t.Fatalf("accepted an invalid request: %+v", req)
		}
		total := 0
		for _, rec := range req.Records {
			total += len(rec)
		}
		if total > len(body) {
			t.Fatalf("%d bytes of records from a %d-byte body", total, len(body))
		}
	})
}
