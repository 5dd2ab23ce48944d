package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/uplink/endpoint"
)

// lossyProxy stands between an edge and a hub's receiver. It passes every
// request on, but for some it throws the hub's answer away and answers the
// edge 502 instead, as a reverse proxy does when the hub's answer is late:
// the hub stored the records, the edge cannot know it.
type lossyProxy struct {
	target string
	// lose says, by the order in which request ids are first seen (1, 2,
	// …), whose answer is lost; a request id is lost at most once.
	lose func(nth int) bool

	mu       sync.Mutex
	seen     map[string]bool
	lost     int // requests whose answer was lost
	lostRecs int // records in them
	requests int
}

func (p *lossyProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id := r.Header.Get(endpoint.HeaderRequestID)
	p.mu.Lock()
	p.requests++
	first := !p.seen[id]
	p.seen[id] = true
	lose := first && p.lose(len(p.seen))
	p.mu.Unlock()

	req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, p.target, bytes.NewReader(body))
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if lose && resp.StatusCode == http.StatusOK {
		var sent struct{ Records []json.RawMessage }
		json.Unmarshal(body, &sent)
		p.mu.Lock()
		p.lost++
		p.lostRecs += len(sent.Records)
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, `{"requestId":%q,"timestamp":%d,"errorMessage":"upstream answer lost"}`, id, time.Now().UnixMilli())
		return
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(answer)
}

func (p *lossyProxy) counts() (requests, lost, lostRecs int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests, p.lost, p.lostRecs
}

// A batch larger than max_request_size goes out as several requests. When
// the answer to one of them is lost, the engine retries that request's
// records and those of the requests after it, which were not sent: the
// retried requests must carry the ids the hub has seen, so that the hub
// stores every record once; and the edge must count as redelivered the
// records it sent again without knowing whether the hub had them.
func TestPartlyRetriedBatchIsStoredOnceAtTheHub(t *testing.T) {
	const total = 3000
	hub := startGateway(t, testConfig(t, "streams:\n  - { name: collected, shards: 1 }\n"))
	proxy := &lossyProxy{
		target: fmt.Sprintf("http://%s/api/v1/firehose/collected", hub.Addr()),
		seen:   map[string]bool{},
		lose:   func(nth int) bool { return nth == 3 || nth == 7 || nth == 11 },
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)

	edge := startGateway(t, testConfig(t, fmt.Sprintf(`
streams:
  - { name: sensors, shards: 2 }
deliveries:
  - name: to-hub
    from: sensors
    to: { type: http, url: %q, max_request_size: 65536 }
    buffer: { interval: 1s }
`, srv.URL)))
	s, _ := edge.Store().Stream("sensors")
	pad := bytes.Repeat([]byte("x"), 180)
	for i := 0; i < total; i += 500 {
		var batch []shards.PutEntry
		for j := i; j < i+500; j++ {
			batch = append(batch, shards.PutEntry{PartitionKey: fmt.Sprintf("dev%d", j%7), Data: fmt.Appendf(nil, `{"n":%d,"pad":%q}`, j, pad)})
		}
		if _, err := s.PutRecords(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the edge to deliver every record", func() bool {
		st, err := edge.Deliveries().Status("to-hub")
		return err == nil && st.BacklogRecords == 0 && st.RecordsDelivered >= total
	})

	collected, _ := hub.Store().Stream("collected")
	seen := map[int]int{}
	dups := 0
	for _, r := range readAllRecords(t, collected) {
		// The hub keys a sender's records by its source ARN: the edge's
		// name for the delivery, with its kinesis region and account.
		if want := "arn:aws:firehose:us-east-1:000000000000:deliverystream/to-hub"; r.PartitionKey != want {
			t.Fatalf("hub record under %q, want the edge's source ARN %s", r.PartitionKey, want)
		}
		var p struct{ N int }
		if err := json.Unmarshal(r.Data, &p); err != nil {
			t.Fatalf("hub record %q: %v", r.Data, err)
		}
		if seen[p.N]++; seen[p.N] > 1 {
			dups++
		}
	}
	requests, lost, lostRecs := proxy.counts()
	st, _ := edge.Deliveries().Status("to-hub")
	t.Logf("%d requests, %d answers lost (%d records); the hub holds %d distinct records, %d duplicates; the edge reports %d redelivered, %d retries",
		requests, lost, lostRecs, len(seen), dups, st.Redelivered, st.Retries)
	if lost != 3 {
		t.Fatalf("%d answers lost, want 3: the batch did not go out as enough requests", lost)
	}
	if len(seen) != total || dups != 0 {
		t.Errorf("the hub holds %d distinct records and %d duplicates; want %d and 0", len(seen), dups, total)
	}
	if st.Redelivered != int64(lostRecs) {
		t.Errorf("the edge reports %d records redelivered; it sent again the %d records of the requests whose answer it lost", st.Redelivered, lostRecs)
	}
	if st.DeadLettered != 0 || st.RecordsDelivered != total {
		t.Errorf("edge status: %+v", st)
	}
}
