package receiver

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/uplink/endpoint"
)

// hub is a Handler over a fresh store with a stream "archive", mounted as
// the gateway mounts it.
type hub struct {
	store *shards.Store
	srv   *httptest.Server
	h     *Handler
}

func newHub(t testing.TB, configure ...func(*Handler)) *hub {
	t.Helper()
	st, err := shards.Open(t.TempDir(), shards.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateStream("archive", shards.StreamConfig{Shards: 2}); err != nil {
		t.Fatal(err)
	}
	h := &Handler{Store: Shards{Store: st}}
	for _, fn := range configure {
		fn(h)
	}
	mux := http.NewServeMux()
	mux.Handle(Pattern, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		st.Close()
	})
	return &hub{store: st, srv: srv, h: h}
}

// post sends one request of the protocol carrying records under id.
func (hb *hub) post(t testing.TB, stream, id, source string, records ...string) (int, map[string]any) {
	t.Helper()
	var recs []map[string]string
	for _, r := range records {
		recs = append(recs, map[string]string{"data": base64.StdEncoding.EncodeToString([]byte(r))})
	}
	body, _ := json.Marshal(map[string]any{"requestId": id, "timestamp": int64(1700000000000), "records": recs})
	req, _ := http.NewRequest(http.MethodPost, hb.srv.URL+"/api/v1/firehose/"+stream, bytes.NewReader(body))
	req.Header.Set(endpoint.HeaderProtocolVersion, endpoint.ProtocolVersion)
	req.Header.Set(endpoint.HeaderRequestID, id)
	req.Header.Set(endpoint.HeaderSourceARN, source)
	req.Header.Set(endpoint.HeaderAccessKey, "field-secret")
	req.Header.Set("Content-Type", "application/json")
	res, err := hb.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var answer map[string]any
	if err := json.Unmarshal(b, &answer); err != nil {
		t.Fatalf("answer %d %q is not JSON: %v", res.StatusCode, b, err)
	}
	if answer["requestId"] != id {
		t.Errorf("answer %s names another request", b)
	}
	return res.StatusCode, answer
}

// stored reads every record of the stream "archive".
func (hb *hub) stored(t testing.TB) []shards.Record {
	t.Helper()
	s, err := hb.store.Stream("archive")
	if err != nil {
		t.Fatal(err)
	}
	var out []shards.Record
	for _, sh := range s.Shards() {
		c, err := s.Iterator(sh.ShardID, shards.TrimHorizon, "", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for {
			res, err := s.Read(c, shards.MaxRecordsPerRead)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, res.Records...)
			if len(res.Records) == 0 || res.Closed {
				break
			}
			c = res.Next
		}
	}
	return out
}

// Records land in order under the sender's source ARN; a retry of a
// request already stored is acknowledged and not stored again.
func TestHandlerStoresOnce(t *testing.T) {
	hb := newHub(t)
	src := "arn:aws:firehose:local:000000000000:deliverystream/to-hub"
	if status, answer := hb.post(t, "archive", "req-1", src, "a", "b", "c"); status != 200 || answer["errorMessage"] != nil {
		t.Fatalf("%d %v", status, answer)
	}
	if status, _ := hb.post(t, "archive", "req-1", src, "a", "b", "c"); status != 200 {
		t.Fatalf("retry: %d", status)
	}
	if status, _ := hb.post(t, "archive", "req-2", src, "d"); status != 200 {
		t.Fatalf("next: %d", status)
	}
	var got []string
	for _, r := range hb.stored(t) {
		if r.PartitionKey != src {
			t.Errorf("partition key %q, want the source ARN", r.PartitionKey)
		}
		got = append(got, string(r.Data))
	}
	if strings.Join(got, "") != "abcd" {
		t.Fatalf("stored %q, want a b c d once, in order", got)
	}
}

func TestHandlerRefuses(t *testing.T) {
	hb := newHub(t, func(h *Handler) { h.AccessKey = func(k string) bool { return k == "field-secret" } })
	if status, answer := hb.post(t, "ghost", "req-1", "src", "a"); status != 404 || !strings.Contains(fmt.Sprint(answer["errorMessage"]), `"ghost"`) {
		t.Errorf("missing stream: %d %v", status, answer)
	}
	hb.h.AccessKey = func(string) bool { return false }
	if status, _ := hb.post(t, "archive", "req-2", "src", "a"); status != 401 {
		t.Errorf("bad access key: %d", status)
	}
	if n := len(hb.stored(t)); n != 0 {
		t.Errorf("%d records stored from refused requests", n)
	}
}

// gatedStore holds every PutAll until open is closed, so that concurrent
// requests really overlap; fail makes the first PutAll fail instead.
type gatedStore struct {
	next    Store
	open    chan struct{}
	entered atomic.Int32
	fail    error
}

func (g *gatedStore) PutAll(ctx context.Context, stream string, entries []shards.PutEntry) error {
	n := g.entered.Add(1)
	select {
	case <-g.open:
	case <-ctx.Done():
		return ctx.Err()
	}
	if n == 1 && g.fail != nil {
		return g.fail
	}
	return g.next.PutAll(ctx, stream, entries)
}

// Concurrent copies of one request (a sender's retry racing its first
// attempt) store the records once: the later ones wait for the first's
// outcome and, the records stored, answer 200 without storing them again.
func TestConcurrentRetriesStoreOnce(t *testing.T) {
	const copies = 8
	var gate *gatedStore
	hb := newHub(t, func(h *Handler) {
		gate = &gatedStore{next: h.Store, open: make(chan struct{})}
		h.Store = gate
	})
	statuses := make(chan int, copies)
	for range copies {
		go func() {
			status, _ := hb.post(t, "archive", "req-1", "src", "a", "b", "c")
			statuses <- status
		}()
	}
	// Give every copy the time to reach the store (the old code let them
	// all in), then let the puts through.
	deadline := time.Now().Add(300 * time.Millisecond)
	for gate.entered.Load() < copies && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(gate.open)
	for range copies {
		if status := <-statuses; status != 200 {
			t.Errorf("status %d", status)
		}
	}
	if got := len(hb.stored(t)); got != 3 || gate.entered.Load() != 1 {
		t.Fatalf("%d records stored by %d puts, want 3 by one", got, gate.entered.Load())
	}
}

// When the first copy fails to store, a copy that waited for it tries
// itself.
func TestConcurrentRetryAfterFailure(t *testing.T) {
	var gate *gatedStore
	hb := newHub(t, func(h *Handler) {
		gate = &gatedStore{next: h.Store, open: make(chan struct{}), fail: fmt.Errorf("put: %w", shards.ErrStreamFull)}
		h.Store = gate
	})
	statuses := make(chan int, 2)
	post := func() {
		status, _ := hb.post(t, "archive", "req-1", "src", "a")
		statuses <- status
	}
	go post()
	for gate.entered.Load() < 1 {
		time.Sleep(time.Millisecond)
	}
	go post()
	time.Sleep(50 * time.Millisecond) // the second copy is waiting (or, in the old code, in the store)
	close(gate.open)
	got := map[int]int{}
	for range 2 {
		got[<-statuses]++
	}
	if got[503] != 1 || got[200] != 1 {
		t.Fatalf("statuses %v, want one 503 (the stream full) and one 200", got)
	}
	if n := len(hb.stored(t)); n != 1 {
		t.Fatalf("%d records stored, want 1", n)
	}
}

// panicStore panics at its first PutAll.
type panicStore struct {
	next  Store
	calls atomic.Int32
}

func (p *panicStore) PutAll(ctx context.Context, stream string, entries []shards.PutEntry) error {
	if p.calls.Add(1) == 1 {
		panic("store bug")
	}
	return p.next.PutAll(ctx, stream, entries)
}

// A store that panics costs its request a retryable 503 and leaves no
// claim behind: the retry stores the records.
func TestStorePanicReleasesTheRequest(t *testing.T) {
	hb := newHub(t, func(h *Handler) { h.Store = &panicStore{next: h.Store} })
	if status, _ := hb.post(t, "archive", "req-1", "src", "a"); status != 503 {
		t.Fatalf("status %d, want 503", status)
	}
	if status, _ := hb.post(t, "archive", "req-1", "src", "a"); status != 200 {
		t.Fatalf("retry: status %d", status)
	}
	if n := len(hb.stored(t)); n != 1 {
		t.Fatalf("%d records stored, want 1", n)
	}
}

// failingStore refuses every put with its error.
type failingStore struct{ err error }

func (f failingStore) PutAll(context.Context, string, []shards.PutEntry) error { return f.err }

// Every answer is JSON, whatever bytes the error it reports carries: a
// control character or invalid UTF-8 from a store's error or from the
// request's own headers.
func TestAnswersAreJSON(t *testing.T) {
	hb := newHub(t, func(h *Handler) { h.Store = failingStore{errors.New("disk \x01 gone \xff\xfe")} })
	status, answer := hb.post(t, "archive", "req-1", "src", "a") // post fails the test on a body that is not JSON
	if msg, _ := answer["errorMessage"].(string); status != 503 || !strings.Contains(msg, "disk \x01 gone") {
		t.Errorf("%d %q", status, msg)
	}
	if _, ok := answer["timestamp"].(float64); !ok {
		t.Errorf("answer %v has no timestamp", answer)
	}

	// A request refused before it is parsed echoes its request id header,
	// which may hold any byte net/http lets through.
	mux := http.NewServeMux()
	mux.Handle(Pattern, hb.h)
	r := httptest.NewRequest(http.MethodPost, "/api/v1/firehose/archive", strings.NewReader("{}"))
	r.Header.Set(endpoint.HeaderRequestID, "id-\xff\x7f\t")
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	if w.Code != 400 || !json.Valid(w.Body.Bytes()) || w.Header().Get("Content-Type") != "application/json" {
		t.Errorf("%d %s %q: want a JSON 400", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
}

// fullStore refuses every put as a full data directory does.
type fullStore struct{}

func (fullStore) PutAll(context.Context, string, []shards.PutEntry) error {
	return fmt.Errorf("%w: 1000 bytes free, reserve 1048576", shards.ErrDiskFull)
}

// A full data directory is a 503 that says so, which senders retry, and no
// log line per request: the disk guard logs the state once.
func TestHandlerFullDisk(t *testing.T) {
	var logs bytes.Buffer
	hb := newHub(t, func(h *Handler) {
		h.Store = fullStore{}
		h.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	for i := range 3 {
		status, answer := hb.post(t, "archive", fmt.Sprintf("req-%d", i), "src", "a")
		if status != 503 || !strings.HasSuffix(fmt.Sprint(answer["errorMessage"]), ": data directory full: 1000 bytes free, reserve 1048576") {
			t.Errorf("full disk: %d %v", status, answer)
		}
	}
	if logs.Len() != 0 {
		t.Errorf("logged:\n%s", logs.String())
	}
}
