package ingest

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/tidegate/tidegate/shards"
)

// TestEnqueueKeepsKeyOrder enqueues from one goroutine without waiting,
// as the MQTT client does, and checks that every key's records are stored
// in enqueue order although the lanes send concurrently.
func TestEnqueueKeepsKeyOrder(t *testing.T) {
	st, err := shards.Open(t.TempDir(), shards.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := st.CreateStream("s", shards.StreamConfig{Shards: 2})
	if err != nil {
		t.Fatal(err)
	}
	w, err := New(st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)

	const keys, total = 40, 20000
	waits := make([]func(context.Context) error, 0, total)
	for i := range total {
		key := fmt.Sprintf("dev-%d", i%keys)
		waits = append(waits, w.Enqueue("s", []shards.PutEntry{{PartitionKey: key, Data: []byte(strconv.Itoa(i))}}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, w := range waits {
		if err := w(ctx); err != nil {
			t.Fatal(err)
		}
	}
	last := map[string]int{}
	n := 0
	for _, sh := range s.Describe().Shards {
		it, err := s.Iterator(sh.ShardID, shards.TrimHorizon, "", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for {
			r, err := s.Read(it, shards.MaxRecordsPerRead)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Records) == 0 {
				break
			}
			for _, rec := range r.Records {
				v, _ := strconv.Atoi(string(rec.Data))
				if prev, ok := last[rec.PartitionKey]; ok && v != prev+keys {
					t.Fatalf("key %s: %d after %d", rec.PartitionKey, v, prev)
				}
				last[rec.PartitionKey] = v
				n++
			}
			it = r.Next
		}
	}
	if n != total {
		t.Fatalf("stored %d records, want %d", n, total)
	}
}
