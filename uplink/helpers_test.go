package uplink

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/tidegate/tidegate/shards"
)

// memSink is a destination in memory whose answers a test scripts.
type memSink struct {
	mu      sync.Mutex
	got     []Record
	batches []string // IDs, in order of success
	calls   int
	// answer, when set, decides each call's outcome before it is kept.
	answer func(call int, b *Batch) error
	block  chan struct{} // when set, Send waits on it (or ctx)
	closed bool
}

func (s *memSink) Send(ctx context.Context, b *Batch) error {
	s.mu.Lock()
	s.calls++
	call, answer, block := s.calls, s.answer, s.block
	s.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if answer != nil {
		if err := answer(call, b); err != nil {
			if pe, ok := err.(*PartialError); ok {
				failed := map[int]bool{}
				for _, f := range pe.Failed {
					failed[f.Index] = true
				}
				s.mu.Lock()
				for i, r := range b.Records {
					if !failed[i] {
						s.got = append(s.got, cloneRecord(r))
					}
				}
				s.mu.Unlock()
			}
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range b.Records {
		s.got = append(s.got, cloneRecord(r))
	}
	s.batches = append(s.batches, b.ID)
	return nil
}

func (s *memSink) Close() error { s.mu.Lock(); s.closed = true; s.mu.Unlock(); return nil }

func (s *memSink) records() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Record(nil), s.got...)
}

func cloneRecord(r Record) Record {
	r.Data = append([]byte(nil), r.Data...)
	return r
}

type fixture struct {
	t     *testing.T
	dir   string
	store *shards.Store
	m     *Manager
	sink  *memSink
}

func newFixture(t *testing.T, sink *memSink) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), sink: sink}
	f.open()
	return f
}

func (f *fixture) open() {
	st, err := shards.Open(f.dir+"/data", shards.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.t.Fatal(err)
	}
	f.store = st
	f.m = &Manager{
		Store: st, Dir: f.dir + "/uplink", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		NewSink:        func(context.Context, Spec) (Sink, error) { return f.sink, nil },
		StatusInterval: time.Hour,
	}
	if err := f.m.Initialize(); err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(f.close)
}

func (f *fixture) close() {
	if f.m != nil {
		f.m.Close()
		f.store.Close()
		f.m = nil
	}
}

func (f *fixture) stream(name string, shardCount int) *shards.Stream {
	f.t.Helper()
	s, err := f.store.CreateStream(name, shards.StreamConfig{Shards: shardCount})
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// put stores n records over keys partition keys; record i of key k reads
// "k<key>-<i>".
func put(t *testing.T, s *shards.Stream, from, n, keys int) {
	t.Helper()
	for i := from; i < from+n; i += 500 {
		var batch []shards.PutEntry
		for j := i; j < min(i+500, from+n); j++ {
			batch = append(batch, shards.PutEntry{PartitionKey: fmt.Sprintf("k%d", j%keys), Data: fmt.Appendf(nil, "k%d-%d", j%keys, j)})
		}
		if _, err := s.PutRecords(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
	}
}

func spec(name string, from ...string) Spec {
	return Spec{Name: name, From: from, BufferSize: MinBufferSize, BufferInterval: 10 * time.Millisecond, Destination: struct{}{}, DestinationType: "mem"}
}

// eventually polls cond until it holds or 20 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkOrder checks that every record 0..n-1 arrived, in order per key, and
// returns how many arrived more than once.
func checkOrder(t *testing.T, got []Record, n, keys int) (dups int) {
	t.Helper()
	seen := make([]int, n)
	last := map[string]int{}
	for _, r := range got {
		var k, i int
		if _, err := fmt.Sscanf(string(r.Data), "k%d-%d", &k, &i); err != nil {
			t.Fatalf("record %q: %v", r.Data, err)
		}
		if r.PartitionKey != fmt.Sprintf("k%d", k) {
			t.Fatalf("record %q has partition key %q", r.Data, r.PartitionKey)
		}
		if prev, ok := last[r.PartitionKey]; ok && i <= prev && seen[i] == 0 {
			t.Fatalf("key %s: record %d after %d", r.PartitionKey, i, prev)
		}
		last[r.PartitionKey] = i
		seen[i]++
	}
	for i, c := range seen {
		if c == 0 {
			t.Fatalf("record %d never arrived (%d records in all)", i, len(got))
		}
		dups += c - 1
	}
	return dups
}
