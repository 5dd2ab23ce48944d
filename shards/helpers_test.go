package shards

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for retention tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// openTestStore opens a store in a fresh temporary directory.
func openTestStore(t testing.TB, opts Options) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st, dir
}

func mustCreate(t testing.TB, st *Store, name string, cfg StreamConfig) *Stream {
	t.Helper()
	s, err := st.CreateStream(name, cfg)
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return s
}

func mustPut(t testing.TB, s *Stream, key, data string) PutResult {
	t.Helper()
	r, err := s.PutRecord(context.Background(), PutEntry{PartitionKey: key, Data: []byte(data)})
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return r
}

// readAll reads a shard from the cursor to its tip.
func readAll(t testing.TB, s *Stream, c Cursor) ([]Record, ReadResult) {
	t.Helper()
	var out []Record
	for {
		res, err := s.Read(c, MaxRecordsPerRead)
		if err != nil {
			t.Fatalf("read %v: %v", c, err)
		}
		out = append(out, res.Records...)
		if len(res.Records) == 0 || res.Closed {
			return out, res
		}
		c = res.Next
	}
}

// readShardFrom reads every record of a shard from an iterator type.
func readShardFrom(t testing.TB, s *Stream, shardID string, typ IteratorType) []Record {
	t.Helper()
	c, err := s.Iterator(shardID, typ, "", time.Time{})
	if err != nil {
		t.Fatalf("iterator %s: %v", shardID, err)
	}
	recs, _ := readAll(t, s, c)
	return recs
}

func payloads(recs []Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = string(r.Data)
	}
	return out
}

func keyFor(i int) string { return fmt.Sprintf("device-%d", i) }

var zeroTime time.Time

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
