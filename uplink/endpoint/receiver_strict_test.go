package endpoint

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// strictReceiver is an endpoint that checks every request against the
// protocol, version 1.0, to the letter, independently of the package's own
// ParseRequest (and with the standard library's gzip, not the sender's).
// Any violation fails the test. It answers as its respond function says.
type strictReceiver struct {
	t   testing.TB
	srv *httptest.Server
	// expected headers
	accessKey  string
	sourceARN  string
	attributes map[string]string
	gzip       bool
	maxBody    int
	path       string

	mu       sync.Mutex
	requests []receivedRequest
	respond  func(n int, id string) (status int, contentType, body string)
	conns    int
}

type receivedRequest struct {
	id      string
	records [][]byte
	rawSize int
}

var uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func newStrictReceiver(t testing.TB) *strictReceiver {
	sr := &strictReceiver{t: t, path: "/firehose", maxBody: DefaultMaxRequestSize}
	sr.respond = func(_ int, id string) (int, string, string) {
		return 200, "application/json", fmt.Sprintf(`{"requestId":%q,"timestamp":%d}`, id, time.Now().UnixMilli())
	}
	sr.srv = httptest.NewUnstartedServer(http.HandlerFunc(sr.handle))
	sr.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			sr.mu.Lock()
			sr.conns++
			sr.mu.Unlock()
		}
	}
	sr.srv.Start()
	t.Cleanup(sr.srv.Close)
	return sr
}

func (sr *strictReceiver) url() string { return sr.srv.URL + sr.path + "?tenant=t1&token=s3cr3t" }

func (sr *strictReceiver) received() []receivedRequest {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	return slices.Clone(sr.requests)
}

func (sr *strictReceiver) allRecords() [][]byte {
	var out [][]byte
	for _, r := range sr.received() {
		out = append(out, r.records...)
	}
	return out
}

func (sr *strictReceiver) handle(w http.ResponseWriter, r *http.Request) {
	t := sr.t
	fail := func(format string, args ...any) {
		t.Errorf("strict receiver: "+format, args...)
		http.Error(w, "protocol violation", http.StatusBadRequest)
	}
	start := time.Now()
	if r.Method != http.MethodPost {
		fail("method %s", r.Method)
		return
	}
	if r.URL.Path != sr.path || r.URL.RawQuery != "tenant=t1&token=s3cr3t" {
		fail("url %s: path and query must be sent as configured", r.URL)
		return
	}
	want := map[string]string{
		"X-Amz-Firehose-Protocol-Version": "1.0",
		"X-Amz-Firehose-Source-Arn":       sr.sourceARN,
		"Content-Type":                    "application/json",
	}
	if sr.accessKey != "" {
		want["X-Amz-Firehose-Access-Key"] = sr.accessKey
	}
	if sr.gzip {
		want["Content-Encoding"] = "gzip"
	}
	for k, v := range want {
		if got := r.Header.Values(k); len(got) != 1 || got[0] != v {
			fail("header %s = %q, want exactly %q", k, got, v)
			return
		}
	}
	absent := []string{"X-Idempotency-Key"}
	if sr.accessKey == "" {
		absent = append(absent, "X-Amz-Firehose-Access-Key")
	}
	if !sr.gzip {
		absent = append(absent, "Content-Encoding")
	}
	for _, k := range absent {
		if v := r.Header.Values(k); len(v) > 0 {
			fail("header %s must be absent: %q", k, v)
			return
		}
	}
	if r.Header.Get("User-Agent") == "" {
		fail("no User-Agent")
		return
	}
	id := r.Header.Get("X-Amz-Firehose-Request-Id")
	if len(r.Header.Values("X-Amz-Firehose-Request-Id")) != 1 || !uuidRe.MatchString(id) {
		fail("request id %q: want one version 5 UUID", r.Header.Values("X-Amz-Firehose-Request-Id"))
		return
	}
	ca := r.Header.Values("X-Amz-Firehose-Common-Attributes")
	switch {
	case sr.attributes == nil && len(ca) > 0:
		fail("common attributes sent, none configured: %q", ca)
		return
	case sr.attributes != nil:
		if len(ca) != 1 {
			fail("common attributes header %q", ca)
			return
		}
		for i := 0; i < len(ca[0]); i++ {
			if ca[0][i] < ' ' || ca[0][i] > '~' {
				fail("common attributes header is not printable ASCII: %q", ca[0])
				return
			}
		}
		var top map[string]json.RawMessage
		var attrs map[string]string
		if err := json.Unmarshal([]byte(ca[0]), &top); err != nil || len(top) != 1 || top["commonAttributes"] == nil {
			fail("common attributes %q: want {\"commonAttributes\":{...}} (%v)", ca[0], err)
			return
		}
		if err := json.Unmarshal(top["commonAttributes"], &attrs); err != nil || !mapsEqual(attrs, sr.attributes) {
			fail("common attributes %s, want %v (%v)", top["commonAttributes"], sr.attributes, err)
			return
		}
	}

	wire, err := io.ReadAll(r.Body)
	if err != nil {
		fail("read body: %v", err)
		return
	}
	if r.ContentLength != int64(len(wire)) {
		fail("Content-Length %d, body %d bytes", r.ContentLength, len(wire))
		return
	}
	raw := wire
	if sr.gzip {
		zr, err := gzip.NewReader(bytes.NewReader(wire))
		if err != nil {
			fail("gzip: %v", err)
			return
		}
		if raw, err = io.ReadAll(zr); err != nil {
			fail("gzip: %v", err)
			return
		}
	}
	if len(raw) > sr.maxBody {
		fail("body of %d bytes is over max_request_size %d", len(raw), sr.maxBody)
		return
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		fail("body is not a JSON object: %v", err)
		return
	}
	if len(top) != 3 || top["requestId"] == nil || top["timestamp"] == nil || top["records"] == nil {
		fail("body keys: want exactly requestId, timestamp, records: %s", truncate(raw))
		return
	}
	var bodyID string
	if err := json.Unmarshal(top["requestId"], &bodyID); err != nil || bodyID != id {
		fail("body requestId %s, header %s", top["requestId"], id)
		return
	}
	ms, err := strconv.ParseInt(string(top["timestamp"]), 10, 64)
	if err != nil {
		fail("timestamp %s is not integer milliseconds", top["timestamp"])
		return
	}
	if ts := time.UnixMilli(ms); ts.Before(start.Add(-time.Minute)) || ts.After(time.Now().Add(time.Second)) {
		fail("timestamp %s is not the time the request was made (%s)", ts, start)
		return
	}
	var recs []map[string]json.RawMessage
	if err := json.Unmarshal(top["records"], &recs); err != nil {
		fail("records: %v", err)
		return
	}
	if len(recs) < 1 || len(recs) > 10000 {
		fail("%d records: want 1-10000", len(recs))
		return
	}
	got := make([][]byte, len(recs))
	for i, rec := range recs {
		var s string
		if len(rec) != 1 || json.Unmarshal(rec["data"], &s) != nil {
			fail("record %d: want exactly {\"data\": string}: %v", i, rec)
			return
		}
		if got[i], err = base64.StdEncoding.Strict().DecodeString(s); err != nil || bytes.ContainsAny([]byte(s), "\r\n") {
			fail("record %d: data is not strict base64: %v", i, err)
			return
		}
	}

	sr.mu.Lock()
	n := len(sr.requests)
	sr.requests = append(sr.requests, receivedRequest{id: id, records: got, rawSize: len(raw)})
	respond := sr.respond
	sr.mu.Unlock()

	status, ct, body := respond(n, id)
	if ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func truncate(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}
