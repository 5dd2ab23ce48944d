package receiver

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/tidegate/tidegate/uplink/endpoint"
)

// validRequest builds a request ParseRequest accepts; tests spoil one thing.
func validRequest(t testing.TB, body string, gz bool, mutate func(h http.Header)) *http.Request {
	var payload io.Reader = strings.NewReader(body)
	if gz {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write([]byte(body))
		_ = zw.Close()
		payload = &buf
	}
	r := httptest.NewRequest(http.MethodPost, "/", payload)
	r.Header.Set(endpoint.HeaderProtocolVersion, "1.0")
	r.Header.Set(endpoint.HeaderRequestID, "ed4acda5-034f-9f42-bba1-f29aea6d7d8f")
	r.Header.Set(endpoint.HeaderSourceARN, "arn:aws:firehose:us-east-1:123456789:deliverystream/testStream")
	r.Header.Set("Content-Type", "application/json")
	if gz {
		r.Header.Set("Content-Encoding", "gzip")
	}
	if mutate != nil {
		mutate(r.Header)
	}
	return r
}

const exampleBody = `{"requestId":"ed4acda5-034f-9f42-bba1-f29aea6d7d8f","timestamp":1578090901599,"records":[{"data":"aGVsbG8="},{"data":"aGVsbG8gd29ybGQ="},{"data":""}]}`

func TestParseRequest(t *testing.T) {
	for _, gz := range []bool{false, true} {
		req, err := ParseRequest(validRequest(t, exampleBody, gz, func(h http.Header) {
			h.Set(endpoint.HeaderAccessKey, "my-key")
			h.Set(endpoint.HeaderCommonAttributes, `{"commonAttributes":{"deployment -context":"pre-prod-gamma","device-types":""}}`)
		}), 0)
		if err != nil {
			t.Fatal(err)
		}
		want := &Request{
			RequestID: "ed4acda5-034f-9f42-bba1-f29aea6d7d8f", Timestamp: time.UnixMilli(1578090901599),
			SourceARN: "arn:aws:firehose:us-east-1:123456789:deliverystream/testStream", AccessKey: "my-key",
			CommonAttributes: map[string]string{"deployment -context": "pre-prod-gamma", "device-types": ""},
			Gzip:             gz,
		}
		if req.RequestID != want.RequestID || !req.Timestamp.Equal(want.Timestamp) || req.SourceARN != want.SourceARN ||
			req.AccessKey != want.AccessKey || !mapsEqual(req.CommonAttributes, want.CommonAttributes) || req.Gzip != gz {
			t.Fatalf("got %+v, want %+v", req, want)
		}
		if len(req.Records) != 3 || string(req.Records[0]) != "hello" || string(req.Records[1]) != "hello world" || len(req.Records[2]) != 0 {
			t.Fatalf("records %q", req.Records)
		}
	}
}

func TestParseRequestRefuses(t *testing.T) {
	id := "ed4acda5-034f-9f42-bba1-f29aea6d7d8f"
	body := func(records string) string {
		return `{"requestId":"` + id + `","timestamp":1,"records":` + records + `}`
	}
	for _, tc := range []struct {
		name   string
		body   string
		gz     bool
		mutate func(h http.Header)
		method string
		max    int64
		status int
	}{
		{name: "GET", body: exampleBody, method: http.MethodGet, status: 405},
		{name: "no version", body: exampleBody, mutate: func(h http.Header) { h.Del(endpoint.HeaderProtocolVersion) }, status: 400},
		{name: "version 2.0", body: exampleBody, mutate: func(h http.Header) { h.Set(endpoint.HeaderProtocolVersion, "2.0") }, status: 400},
		{name: "no request id", body: exampleBody, mutate: func(h http.Header) { h.Del(endpoint.HeaderRequestID) }, status: 400},
		{name: "request id differs", body: exampleBody, mutate: func(h http.Header) { h.Set(endpoint.HeaderRequestID, "other") }, status: 400},
		{name: "body requestId missing", body: `{"records":[{"data":""}]}`, status: 400},
		{name: "content type", body: exampleBody, mutate: func(h http.Header) { h.Set("Content-Type", "text/plain") }, status: 415},
		{name: "content encoding br", body: exampleBody, mutate: func(h http.Header) { h.Set("Content-Encoding", "br") }, status: 415},
		{name: "gzip header, plain body", body: exampleBody, mutate: func(h http.Header) { h.Set("Content-Encoding", "gzip") }, status: 400},
		{name: "too large", body: exampleBody, max: 64, status: 413},
		{name: "too large gzip", body: exampleBody, gz: true, max: 64, status: 413},
		{name: "not json", body: "hello", status: 400},
		{name: "trailing garbage", body: exampleBody + "x", status: 400},
		{name: "records missing", body: `{"requestId":"` + id + `"}`, status: 400},
		{name: "no records", body: body(`[]`), status: 400},
		{name: "10001 records", body: body("[" + strings.Repeat(`{"data":""},`, 10000) + `{"data":""}]`), status: 400},
		{name: "data missing", body: body(`[{}]`), status: 400},
		{name: "data null", body: body(`[{"data":null}]`), status: 400},
		{name: "data number", body: body(`[{"data":1}]`), status: 400},
		{name: "bad base64", body: body(`[{"data":"aGVsbG8"}]`), status: 400},
		{name: "base64 with newline", body: body(`[{"data":"aGVs\nbG8="}]`), status: 400},
		{name: "base64 url alphabet", body: body(`[{"data":"-_-_"}]`), status: 400},
		{name: "data too long", body: body(`[{"data":"` + strings.Repeat("A", endpoint.MaxRecordDataLen+4) + `"}]`), status: 400},
		{name: "timestamp string", body: `{"requestId":"` + id + `","timestamp":"1","records":[{"data":""}]}`, status: 400},
		{name: "timestamp float", body: `{"requestId":"` + id + `","timestamp":1.5,"records":[{"data":""}]}`, status: 400},
		{name: "access key too long", body: exampleBody, mutate: func(h http.Header) { h.Set(endpoint.HeaderAccessKey, strings.Repeat("k", 4097)) }, status: 400},
		{name: "attributes not json", body: exampleBody, mutate: func(h http.Header) { h.Set(endpoint.HeaderCommonAttributes, "site=x") }, status: 400},
		{name: "attributes without wrapper", body: exampleBody, mutate: func(h http.Header) { h.Set(endpoint.HeaderCommonAttributes, `{"site":"x"}`) }, status: 400},
		{name: "attribute not string", body: exampleBody, mutate: func(h http.Header) { h.Set(endpoint.HeaderCommonAttributes, `{"commonAttributes":{"n":1}}`) }, status: 400},
		{name: "attribute empty name", body: exampleBody, mutate: func(h http.Header) { h.Set(endpoint.HeaderCommonAttributes, `{"commonAttributes":{"":"x"}}`) }, status: 400},
		{name: "51 attributes", body: exampleBody, mutate: func(h http.Header) {
			m := map[string]string{}
			for i := range 51 {
				m[strings.Repeat("a", i+1)] = ""
			}
			js, _ := json.Marshal(map[string]any{"commonAttributes": m})
			h.Set(endpoint.HeaderCommonAttributes, string(js))
		}, status: 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := validRequest(t, tc.body, tc.gz, tc.mutate)
			if tc.method != "" {
				r.Method = tc.method
			}
			_, err := ParseRequest(r, tc.max)
			var re *RequestError
			if !errors.As(err, &re) || re.Status != tc.status {
				t.Fatalf("got %v, want a RequestError with status %d", err, tc.status)
			}
			w := httptest.NewRecorder()
			WriteResponse(w, r.Header.Get(endpoint.HeaderRequestID), err)
			var resp map[string]any
			if w.Code != tc.status || w.Header().Get("Content-Type") != "application/json" || json.Unmarshal(w.Body.Bytes(), &resp) != nil ||
				resp["requestId"] != r.Header.Get(endpoint.HeaderRequestID) || resp["timestamp"] == nil || resp["errorMessage"] == "" {
				t.Fatalf("response %d %s", w.Code, w.Body)
			}
		})
	}
}

func TestWriteResponse(t *testing.T) {
	w := httptest.NewRecorder()
	WriteResponse(w, "id-1", nil)
	var resp map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || w.Code != 200 || len(resp) != 2 || resp["requestId"] != "id-1" {
		t.Fatalf("success response %d %s", w.Code, w.Body)
	}
	if ts, ok := resp["timestamp"].(float64); !ok || time.Since(time.UnixMilli(int64(ts))) > time.Minute {
		t.Fatalf("timestamp %v", resp["timestamp"])
	}
	if w.Header().Get("Content-Length") != "" && w.Header().Get("Content-Length") != strconv.Itoa(w.Body.Len()) {
		t.Fatalf("Content-Length %s for %d bytes", w.Header().Get("Content-Length"), w.Body.Len())
	}

	w = httptest.NewRecorder()
	WriteResponse(w, "id-2", errors.New(strings.Repeat("é", 9000)))
	resp = nil
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || w.Code != 500 {
		t.Fatalf("failure response %d %s", w.Code, w.Body)
	}
	if msg := resp["errorMessage"].(string); len([]rune(msg)) != endpoint.MaxErrorMessageLen {
		t.Fatalf("errorMessage of %d characters, want it cut to %d", len([]rune(msg)), endpoint.MaxErrorMessageLen)
	}
}
