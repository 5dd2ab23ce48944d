package receiver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/endpoint"
)

// A hub built on ParseRequest and WriteResponse takes what the sink sends.
func TestSinkToReceiver(t *testing.T) {
	for _, compression := range []string{"none", "gzip"} {
		t.Run(compression, func(t *testing.T) {
			var mu sync.Mutex
			var got []*Request
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				req, err := ParseRequest(r, 0)
				if err == nil {
					mu.Lock()
					got = append(got, req)
					mu.Unlock()
				}
				WriteResponse(w, r.Header.Get(endpoint.HeaderRequestID), err)
			}))
			defer srv.Close()
			attrs := map[string]string{"site": "north", "ünï": "cödé"}
			s := newSink(t, endpoint.Config{URL: srv.URL, Compression: compression, AccessKey: "k", CommonAttributes: attrs, MaxRequestSize: 64 << 10})
			b := testBatch("b", 700, 150)
			before := time.Now().Add(-time.Second)
			if err := s.Send(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			var recs [][]byte
			for _, req := range got {
				if req.AccessKey != "k" || req.SourceARN != endpoint.DefaultSourceARN("to-cloud") || !mapsEqual(req.CommonAttributes, attrs) || req.Gzip != (compression == "gzip") {
					t.Fatalf("request %+v", req)
				}
				if req.Timestamp.Before(before) || req.Timestamp.After(time.Now()) {
					t.Fatalf("timestamp %s", req.Timestamp)
				}
				recs = append(recs, req.Records...)
			}
			if len(got) < 2 {
				t.Fatalf("%d requests, want the batch split", len(got))
			}
			equalRecords(t, recs, recordsOf(b))
		})
	}
}

// A receiver that refuses a request as too large answers 413 in the
// protocol's shape; the sink sends the request again in halves, and a
// record too large on its own is refused with the receiver's message.
func TestReceiverRefusalReachesSink(t *testing.T) {
	var stored int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := ParseRequest(r, 1024) // too small for the batch, and for record 7 alone
		if err == nil {
			stored += len(req.Records)
		}
		WriteResponse(w, r.Header.Get(endpoint.HeaderRequestID), err)
	}))
	defer srv.Close()
	s := newSink(t, endpoint.Config{URL: srv.URL})
	b := testBatch("b", 100, 100)
	b.Records[7].Data = make([]byte, 2000)
	err := s.Send(context.Background(), b)
	var pe *uplink.PartialError
	if !errors.As(err, &pe) || !pe.Permanent || len(pe.Failed) != 1 || pe.Failed[0].Index != 7 ||
		pe.Failed[0].Code != endpoint.CodeDestinationException || !strings.Contains(pe.Failed[0].Message, "413") || !strings.Contains(pe.Failed[0].Message, "over 1024") {
		t.Fatalf("got %v, want record 7 refused for good with the receiver's 413 and message", err)
	}
	if stored != 99 {
		t.Fatalf("the receiver stored %d records, want the 99 others", stored)
	}
}

// testBatch makes n records of size bytes of varied binary data (record 0
// is empty: the protocol permits empty records).
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
			Stream: "sensors", ShardID: "shardId-000000000000",
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
			t.Fatalf("record %d: received %d bytes, sent %d bytes", i, len(got[i]), len(want[i]))
		}
	}
}

func newSink(t testing.TB, cfg endpoint.Config) *endpoint.Sink {
	t.Helper()
	s, err := endpoint.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
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
