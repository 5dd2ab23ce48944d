package endpoint

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidegate/tidegate/uplink"
)

// testBatch makes n records of size bytes of varied binary data (record 0
// is empty: the protocol permits empty records), spread over two shards.
func testBatch(id string, n, size int) *uplink.Batch {
	rng := rand.New(rand.NewPCG(uint64(n), uint64(size)))
	b := &uplink.Batch{ID: id, Delivery: "to-cloud", Created: time.Now()}
	for i := range n {
		data := make([]byte, size)
		for j := range data {
			data[j] = byte(rng.UintN(256))
		}
		if i == 0 {
			data = nil
		}
		b.Records = append(b.Records, uplink.Record{
			Stream: "sensors", ShardID: fmt.Sprintf("shardId-%012d", i%2),
			Sequence: fmt.Sprintf("4960%052d", i), PartitionKey: fmt.Sprintf("dev-%d", i%7),
			Arrival: time.Now(), Data: data,
		})
		b.Bytes += len(data)
	}
	return b
}

func recordsOf(b *uplink.Batch) [][]byte {
	out := make([][]byte, len(b.Records))
	for i, r := range b.Records {
		out[i] = r.Data
	}
	return out
}

func equalRecords(t *testing.T, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("received %d records, sent %d", len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("record %d: received %d bytes %x…, sent %d bytes", i, len(got[i]), got[i][:min(8, len(got[i]))], len(want[i]))
		}
	}
}

func newSink(t testing.TB, cfg Config) *Sink {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSendFollowsProtocol(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"plain", Config{}},
		{"gzip", Config{Compression: "gzip"}},
		{"none with key", Config{Compression: "none", AccessKey: "k-123:{\"json\":true}"}},
		{"gzip with everything", Config{
			Compression: "gzip", AccessKey: "token", SourceARN: "arn:aws:firehose:eu-west-1:123456789012:deliverystream/edge",
			CommonAttributes: map[string]string{"site": "north-field", "empty": "", "unicode ✓": "température 😀", `q"uote`: "a\\b"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sr := newStrictReceiver(t)
			cfg := tc.cfg
			cfg.URL = sr.url()
			sr.accessKey, sr.attributes, sr.gzip = cfg.AccessKey, cfg.CommonAttributes, cfg.Compression == "gzip"
			sr.sourceARN = cmpOr(cfg.SourceARN, "arn:aws:firehose:local:000000000000:deliverystream/to-cloud")
			s := newSink(t, cfg)
			b := testBatch("batch-1", 300, 200)
			if err := s.Send(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			if n := len(sr.received()); n != 1 {
				t.Fatalf("%d requests, want 1", n)
			}
			equalRecords(t, sr.allRecords(), recordsOf(b))
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestSendSplitsLargeBatches(t *testing.T) {
	for _, tc := range []struct {
		name     string
		n, size  int
		maxBody  int
		requests int
	}{
		{"by size", 1000, 200, 64 << 10, 5},
		{"by count", 25000, 1, 0, 3},
		{"record bigger than max goes alone", 3, 100 << 10, 64 << 10, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sr := newStrictReceiver(t)
			if tc.maxBody > 0 {
				sr.maxBody = 200 << 10 // the lone big record's body exceeds max_request_size
				if tc.size < tc.maxBody {
					sr.maxBody = tc.maxBody
				}
			}
			s := newSink(t, Config{URL: sr.url(), MaxRequestSize: tc.maxBody, Compression: "gzip"})
			sr.sourceARN, sr.gzip = DefaultSourceARN("to-cloud"), true
			b := testBatch("batch-split", tc.n, tc.size)
			if err := s.Send(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			reqs := sr.received()
			if len(reqs) != tc.requests {
				t.Fatalf("%d requests, want %d", len(reqs), tc.requests)
			}
			equalRecords(t, sr.allRecords(), recordsOf(b))
			ids := map[string]bool{}
			for _, r := range reqs {
				if ids[r.id] {
					t.Fatalf("request id %s used twice in one batch", r.id)
				}
				ids[r.id] = true
			}
			// Sent again (a retry, or after a restart: a new sink), every
			// request carries the id it had.
			s2 := newSink(t, Config{URL: sr.url(), MaxRequestSize: tc.maxBody, Compression: "gzip"})
			if err := s2.Send(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			again := sr.received()[len(reqs):]
			for i := range reqs {
				if again[i].id != reqs[i].id {
					t.Fatalf("request %d: id %s on retry, was %s", i, again[i].id, reqs[i].id)
				}
			}
		})
	}
}

func TestRetryKeepsRequestID(t *testing.T) {
	sr := newStrictReceiver(t)
	sr.sourceARN = DefaultSourceARN("to-cloud")
	sr.respond = func(n int, id string) (int, string, string) {
		if n == 0 {
			return 500, "application/json", fmt.Sprintf(`{"requestId":%q,"timestamp":1,"errorMessage":"disk full"}`, id)
		}
		return 200, "application/json", fmt.Sprintf(`{"requestId":%q,"timestamp":%d}`, id, time.Now().UnixMilli())
	}
	s := newSink(t, Config{URL: sr.url()})
	b := testBatch("batch-retry", 10, 50)

	err := s.Send(context.Background(), b)
	var re *ResponseError
	if !errors.As(err, &re) || re.StatusCode != 500 || re.Code != CodeDestinationException || re.Message != "disk full" {
		t.Fatalf("first send: %v, want a 500 ResponseError carrying the errorMessage", err)
	}
	if _, perm := uplink.IsPermanent(err); perm || uplink.IsUnreachable(err) {
		t.Fatalf("a 500 must be retried within the retry duration, got %v", err)
	}
	if err := s.Send(context.Background(), b); err != nil {
		t.Fatalf("retry: %v", err)
	}
	reqs := sr.received()
	if len(reqs) != 2 || reqs[0].id != reqs[1].id {
		t.Fatalf("requests %v: a retry must carry the same request id", reqs)
	}
	// The same records under another batch id (a partial retry packs the
	// records it retries into a batch of its own) keep the id; other
	// records get another.
	b.ID = "batch-retry-2"
	if err := s.Send(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if id := sr.received()[2].id; id != reqs[0].id {
		t.Fatal("the same records under another batch id got another request id")
	}
	if err := s.Send(context.Background(), testBatch("batch-other", 11, 50)); err != nil {
		t.Fatal(err)
	}
	if id := sr.received()[3].id; id == reqs[0].id {
		t.Fatal("other records reused the request id")
	}
}

func TestResponses(t *testing.T) {
	ok := func(id string) string { return fmt.Sprintf(`{"requestId":%q,"timestamp":1578090903599}`, id) }
	for _, tc := range []struct {
		name        string
		status      int
		contentType string
		body        func(id string) string
		code        string // "" means success
		permanent   bool
	}{
		{"200", 200, "application/json", ok, "", false},
		{"200 charset", 200, "application/json; charset=utf-8", ok, "", false},
		{"200 extra field", 200, "application/json", func(id string) string {
			return fmt.Sprintf(`{"requestId":%q,"timestamp":1,"note":"x"}`, id)
		}, "", false},
		{"413", 413, "application/json", func(id string) string {
			return fmt.Sprintf(`{"requestId":%q,"timestamp":1,"errorMessage":"Payload too large"}`, id)
		}, CodeDestinationException, true},
		{"401", 401, "application/json", func(id string) string {
			return fmt.Sprintf(`{"requestId":%q,"timestamp":1,"errorMessage":"bad key"}`, id)
		}, CodeDestinationException, false},
		{"403 no body", 403, "", func(string) string { return "" }, CodeDestinationException, false},
		{"503 html", 503, "text/html", func(string) string { return "<h1>down</h1>" }, CodeDestinationException, false},
		{"201 is not 200", 201, "application/json", ok, CodeDestinationException, false},
		{"302 not followed", 302, "", func(string) string { return "" }, CodeDestinationException, false},
		{"requestId mismatch", 200, "application/json", func(string) string {
			return `{"requestId":"00000000-0000-5000-8000-000000000000","timestamp":1}`
		}, CodeInvalidResponse, false},
		{"requestId missing", 200, "application/json", func(string) string { return `{"timestamp":1}` }, CodeInvalidResponse, false},
		{"requestId null", 200, "application/json", func(string) string { return `{"requestId":null,"timestamp":1}` }, CodeInvalidResponse, false},
		{"timestamp missing", 200, "application/json", func(id string) string { return fmt.Sprintf(`{"requestId":%q}`, id) }, CodeInvalidResponse, false},
		{"timestamp string", 200, "application/json", func(id string) string {
			return fmt.Sprintf(`{"requestId":%q,"timestamp":"1578090903599"}`, id)
		}, CodeInvalidResponse, false},
		{"not json", 200, "application/json", func(string) string { return "OK" }, CodeInvalidResponse, false},
		{"empty body", 200, "application/json", func(string) string { return "" }, CodeInvalidResponse, false},
		{"content type missing", 200, "", ok, CodeInvalidResponse, false},
		{"content type text", 200, "text/plain", ok, CodeInvalidResponse, false},
		{"too large", 200, "application/json", func(id string) string {
			return fmt.Sprintf(`{"requestId":%q,"timestamp":1,"pad":"%s"}`, id, strings.Repeat("x", MaxResponseSize))
		}, CodeResponseTooLarge, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sr := newStrictReceiver(t)
			sr.sourceARN = DefaultSourceARN("to-cloud")
			sr.respond = func(_ int, id string) (int, string, string) { return tc.status, tc.contentType, tc.body(id) }
			if tc.status == 302 {
				sr.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/elsewhere" {
						t.Error("redirect followed")
					}
					http.Redirect(w, r, "/elsewhere", http.StatusFound)
				})
			}
			s := newSink(t, Config{URL: sr.url()})
			err := s.Send(context.Background(), testBatch("b", 3, 10))
			if tc.code == "" {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want %s, got success", tc.code)
			}
			var re *ResponseError
			if !errors.As(err, &re) || re.Code != tc.code || re.StatusCode != tc.status {
				t.Fatalf("got %v, want a ResponseError %s with status %d", err, tc.code, tc.status)
			}
			code, perm := uplink.IsPermanent(err)
			if perm != tc.permanent || (perm && code != CodeDestinationException) {
				t.Fatalf("permanent = %v (%q), want %v", perm, code, tc.permanent)
			}
			if uplink.IsUnreachable(err) {
				t.Fatalf("a response is not unreachable: %v", err)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Fatalf("error leaks the url's token: %v", err)
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	sr := newStrictReceiver(t)
	url := sr.url()
	sr.srv.Close()
	s := newSink(t, Config{URL: url, AccessKey: "very-secret-key"})
	err := s.Send(context.Background(), testBatch("b", 3, 10))
	if !uplink.IsUnreachable(err) {
		t.Fatalf("closed server: %v, want unreachable", err)
	}
	var te *TransportError
	if !errors.As(err, &te) || te.Code != CodeConnectionFailed {
		t.Fatalf("got %v, want a TransportError %s", err, CodeConnectionFailed)
	}
	if msg := err.Error(); strings.Contains(msg, "s3cr3t") || strings.Contains(msg, "very-secret-key") {
		t.Fatalf("error leaks a secret: %v", msg)
	}
}

func TestRequestTimeout(t *testing.T) {
	sr := newStrictReceiver(t)
	sr.sourceARN = DefaultSourceARN("to-cloud")
	release := make(chan struct{})
	sr.respond = func(_ int, id string) (int, string, string) {
		<-release
		return 200, "application/json", fmt.Sprintf(`{"requestId":%q,"timestamp":1}`, id)
	}
	defer close(release)
	s := newSink(t, Config{URL: sr.url(), RequestTimeout: 100 * time.Millisecond})
	err := s.Send(context.Background(), testBatch("b", 3, 10))
	var te *TransportError
	if !uplink.IsUnreachable(err) || !errors.As(err, &te) || te.Code != CodeRequestTimeout {
		t.Fatalf("got %v, want an unreachable %s", err, CodeRequestTimeout)
	}
}

func TestPartialFailures(t *testing.T) {
	// 600 records of 200 bytes need 3 requests of 64 KiB.
	const n = 600
	for _, tc := range []struct {
		name      string
		status    int // of the second request
		permanent bool
		requests  int
		// failed says which records fail, from the sizes of the requests
		failed func(first, second int) []int
	}{
		// A retryable failure stops the batch: the third request is not
		// sent, its records are retried with the second's.
		{"500 stops", 500, false, 2, func(first, _ int) []int { return rangeInts(first, n) }},
		// A 403 only refuses its own request's records.
		{"403 refuses its records", 403, false, 2, func(first, _ int) []int { return rangeInts(first, n) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sr := newStrictReceiver(t)
			sr.sourceARN, sr.maxBody = DefaultSourceARN("to-cloud"), 64<<10
			sr.respond = func(k int, id string) (int, string, string) {
				if k == 1 {
					return tc.status, "application/json", fmt.Sprintf(`{"requestId":%q,"timestamp":1,"errorMessage":"no"}`, id)
				}
				return 200, "application/json", fmt.Sprintf(`{"requestId":%q,"timestamp":1}`, id)
			}
			s := newSink(t, Config{URL: sr.url(), MaxRequestSize: 64 << 10})
			b := testBatch("b", n, 200)
			err := s.Send(context.Background(), b)
			reqs := sr.received()
			if len(reqs) != tc.requests {
				t.Fatalf("%d requests, want %d", len(reqs), tc.requests)
			}
			want := tc.failed(len(reqs[0].records), len(reqs[1].records))
			var pe *uplink.PartialError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a PartialError", err)
			}
			if pe.Permanent != tc.permanent || len(pe.Failed) != len(want) {
				t.Fatalf("permanent %v with %d failed, want %v with %d", pe.Permanent, len(pe.Failed), tc.permanent, len(want))
			}
			for i, f := range pe.Failed {
				if f.Index != want[i] || f.Code != CodeDestinationException || !strings.Contains(f.Message, "no") {
					t.Fatalf("failed[%d] = %+v, want index %d with the response's code and message", i, f, want[i])
				}
			}

			// The engine retries the failed records alone, under the same
			// batch id: they go in new requests with new ids (an endpoint
			// that drops repeated ids must not drop them).
			retry := &uplink.Batch{ID: b.ID, Delivery: b.Delivery}
			for _, f := range pe.Failed {
				retry.Records = append(retry.Records, b.Records[f.Index])
			}
			sr.respond = func(_ int, id string) (int, string, string) {
				return 200, "application/json", fmt.Sprintf(`{"requestId":%q,"timestamp":1}`, id)
			}
			if err := s.Send(context.Background(), retry); err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{reqs[0].id: true}
			if tc.requests == 3 {
				seen[reqs[2].id] = true
			}
			for _, r := range sr.received()[len(reqs):] {
				if seen[r.id] {
					t.Fatalf("retried records reuse the id %s of delivered ones", r.id)
				}
			}
		})
	}
}

func rangeInts(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func TestRecordTooLarge(t *testing.T) {
	sr := newStrictReceiver(t)
	sr.sourceARN, sr.maxBody = DefaultSourceARN("to-cloud"), 8<<20
	s := newSink(t, Config{URL: sr.url()})
	b := testBatch("b", 4, 16)
	b.Records[2].Data = make([]byte, MaxRecordSize+1)
	err := s.Send(context.Background(), b)
	var pe *uplink.PartialError
	if !errors.As(err, &pe) || !pe.Permanent || len(pe.Failed) != 1 || pe.Failed[0].Index != 2 || pe.Failed[0].Code != CodeRecordTooLarge {
		t.Fatalf("got %v, want a permanent PartialError for record 2 only", err)
	}
	equalRecords(t, sr.allRecords(), [][]byte{b.Records[0].Data, b.Records[1].Data, b.Records[3].Data})

	// A record of exactly the limit goes.
	b.Records[2].Data = b.Records[2].Data[:MaxRecordSize]
	if err := s.Send(context.Background(), b); err != nil {
		t.Fatal(err)
	}
}

func TestConnectionsAreReused(t *testing.T) {
	sr := newStrictReceiver(t)
	sr.sourceARN, sr.gzip = DefaultSourceARN("to-cloud"), true
	s := newSink(t, Config{URL: sr.url(), Compression: "gzip"})
	for i := range 20 {
		if err := s.Send(context.Background(), testBatch(fmt.Sprint("b", i), 50, 100)); err != nil {
			t.Fatal(err)
		}
	}
	sr.mu.Lock()
	defer sr.mu.Unlock()
	if sr.conns != 1 {
		t.Fatalf("%d connections for 20 batches, want 1", sr.conns)
	}
}

func TestEmptyBatchSendsNothing(t *testing.T) {
	sr := newStrictReceiver(t)
	s := newSink(t, Config{URL: sr.url()})
	if err := s.Send(context.Background(), &uplink.Batch{ID: "empty"}); err != nil {
		t.Fatal(err)
	}
	if n := len(sr.received()); n != 0 {
		t.Fatalf("%d requests for an empty batch", n)
	}
}

func TestRequestIDIsStable(t *testing.T) {
	b := testBatch("batch-7", 5, 10)
	all := []int{0, 1, 2, 3, 4}
	id, _ := requestID(nil, b.Delivery, b.Records, all)
	// Pinned: a change here changes every request id in flight across an
	// upgrade and defeats an endpoint's deduplication.
	if !uuidRe.MatchString(id) {
		t.Fatalf("%q is not a version 5 UUID", id)
	}
	again, _ := requestID(make([]byte, 0, 10), b.Delivery, b.Records, all)
	sub, _ := requestID(nil, b.Delivery, b.Records, all[1:])
	other, _ := requestID(nil, "another-delivery", b.Records, all)
	switch {
	case again != id:
		t.Fatal("same input, different id")
	case sub == id || other == id:
		t.Fatal("different records or delivery, same id")
	}
	pinned, _ := requestID(nil, "pinned", []uplink.Record{{Stream: "s", ShardID: "shardId-000000000000", Sequence: "1", Data: []byte("hello")}}, []int{0})
	if pinned != "bdc6f810-2e41-5ce5-b3f1-2bab53ad9259" {
		t.Fatalf("pinned id is %s", pinned)
	}
}

func TestHTTPS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			t.Errorf("HTTP/%d over TLS, want HTTP/2", r.ProtoMajor)
		}
		records, err := countRecords(r)
		if err != nil || records != 3 {
			t.Errorf("%d records: %v", records, err)
		}
		answer(w, r, http.StatusOK, "")
	}))
	srv.EnableHTTP2 = true
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	srv.StartTLS()
	defer srv.Close()

	untrusted := newSink(t, Config{URL: srv.URL})
	err := untrusted.Send(context.Background(), testBatch("b", 3, 10))
	var te *TransportError
	if !errors.As(err, &te) || te.Code != CodeSSLHandshakeFailure || uplink.IsUnreachable(err) {
		t.Fatalf("untrusted certificate: %v, want a retryable %s", err, CodeSSLHandshakeFailure)
	}

	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	trusted := newSink(t, Config{URL: srv.URL, TLSConfig: &tls.Config{RootCAs: pool}, Compression: "gzip"})
	if err := trusted.Send(context.Background(), testBatch("b", 3, 10)); err != nil {
		t.Fatal(err)
	}
}

// Deliveries may share a sink.
func TestConcurrentSends(t *testing.T) {
	sr := newStrictReceiver(t)
	sr.sourceARN, sr.gzip, sr.maxBody = DefaultSourceARN("to-cloud"), true, 64<<10
	s := newSink(t, Config{URL: sr.url(), Compression: "gzip", MaxRequestSize: 64 << 10})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 5 {
				if err := s.Send(context.Background(), testBatch(fmt.Sprint("g", g, "-", i), 300, 200+g)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for _, r := range sr.received() {
		total += len(r.records)
	}
	if total != 4*5*300 {
		t.Fatalf("%d records received, want %d", total, 4*5*300)
	}
}

// An endpoint may refuse a request before reading its body; the sink must
// not reuse the body's buffer while the transport may still be sending it.
// Here every whole batch is refused (413) unread, and its halves, sent
// next from the same pool of buffers, are read and taken.
func TestEarlyRefusal(t *testing.T) {
	var refused atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > 2<<20 {
			refused.Add(1)
			answer(w, r, http.StatusRequestEntityTooLarge, "too big")
			return
		}
		records, err := countRecords(r)
		if err != nil || records != 1000 {
			t.Errorf("%d records: %v", records, err)
		}
		answer(w, r, http.StatusOK, "")
	}))
	defer srv.Close()
	s := newSink(t, Config{URL: srv.URL, MaxRequestSize: 8 << 20})
	for i := range 6 {
		if err := s.Send(context.Background(), testBatch(fmt.Sprint("b", i), 2000, 1000)); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if n := refused.Load(); n != 6 {
		t.Fatalf("%d requests refused unread, want 6", n)
	}
}

// countRecords reads a request's body and counts its records, for tests
// whose endpoint needs no more (strictReceiver checks the rest).
func countRecords(r *http.Request) (int, error) {
	var in io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return 0, err
		}
		in = zr
	}
	var body struct {
		Records []struct {
			Data []byte `json:"data"`
		} `json:"records"`
	}
	err := json.NewDecoder(in).Decode(&body)
	return len(body.Records), err
}

// answer responds in the protocol's shape: the request's id, a timestamp,
// and errorMessage when there is one.
func answer(w http.ResponseWriter, r *http.Request, status int, errorMessage string) {
	body, _ := json.Marshal(struct {
		RequestID    string `json:"requestId"`
		Timestamp    int64  `json:"timestamp"`
		ErrorMessage string `json:"errorMessage,omitempty"`
	}{r.Header.Get(HeaderRequestID), time.Now().UnixMilli(), errorMessage})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// An endpoint that finds a request too large (413) gets it again in halves,
// down to single records; only a record it refuses on its own is refused
// for good. The records it takes arrive in order, each once.
func TestTooLargeRequestIsSplit(t *testing.T) {
	const n, limit, poison = 300, 40, 123
	var mu sync.Mutex
	var stored [][]byte
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			RequestID string `json:"requestId"`
			Records   []struct{ Data []byte }
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("body: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		requests++
		status := http.StatusOK
		for _, rec := range body.Records {
			if string(rec.Data) == fmt.Sprint(poison) {
				status = http.StatusRequestEntityTooLarge
			}
		}
		if len(body.Records) > limit {
			status = http.StatusRequestEntityTooLarge
		}
		if status == http.StatusOK {
			for _, rec := range body.Records {
				stored = append(stored, rec.Data)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"requestId":%q,"timestamp":%d,"errorMessage":"too large"}`, body.RequestID, time.Now().UnixMilli())
	}))
	defer srv.Close()
	s := newSink(t, Config{URL: srv.URL})
	b := &uplink.Batch{ID: "b", Delivery: "to-cloud"}
	for i := range n {
		b.Records = append(b.Records, uplink.Record{Stream: "s", ShardID: "shardId-000000000000", Sequence: fmt.Sprint(1000 + i), Data: []byte(fmt.Sprint(i))})
	}
	err := s.Send(context.Background(), b)
	var pe *uplink.PartialError
	if !errors.As(err, &pe) || !pe.Permanent || len(pe.Failed) != 1 || pe.Failed[0].Index != poison || pe.Failed[0].Code != CodeDestinationException {
		t.Fatalf("got %v, want a permanent PartialError for record %d alone", err, poison)
	}
	if len(stored) != n-1 {
		t.Fatalf("the endpoint stored %d records, want %d", len(stored), n-1)
	}
	for i, j := 0, 0; i < n; i++ {
		if i == poison {
			continue
		}
		if string(stored[j]) != fmt.Sprint(i) {
			t.Fatalf("stored record %d is %q, want %d: order lost", j, stored[j], i)
		}
		j++
	}
	t.Logf("%d requests for %d records", requests, n)
}
