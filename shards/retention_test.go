package shards

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// runMaintenance runs the writer's once-a-second housekeeping now.
func runMaintenance(s *Stream) { s.do(func() error { s.maintain(); return nil }) }

func TestRetentionByAge(t *testing.T) {
	clock := newFakeClock()
	st, _ := openTestStore(t, Options{Clock: clock.Now})
	s := mustCreate(t, st, "age", StreamConfig{Shards: 1, Retention: 10 * time.Minute})
	// Segments span retention/8 = 75 s, so these land in several files.
	for i := 0; i < 20; i++ {
		mustPut(t, s, "k", "old")
		clock.Advance(30 * time.Second)
	}
	segsBefore := s.Stats().Segments
	if segsBefore < 5 {
		t.Fatalf("only %d segments", segsBefore)
	}
	clock.Advance(5 * time.Minute) // the first ~10 records are now past 10 minutes
	recs := readShardFrom(t, s, ShardID(0), TrimHorizon)
	cutoff := clock.Now().Add(-10 * time.Minute)
	for _, r := range recs {
		if r.ArrivalTime.Before(cutoff) {
			t.Fatalf("read a record of %v, older than the cutoff %v", r.ArrivalTime, cutoff)
		}
	}
	if len(recs) == 0 || len(recs) >= 20 {
		t.Fatalf("%d records visible", len(recs))
	}
	runMaintenance(s)
	if got := s.Stats().Segments; got >= segsBefore {
		t.Fatalf("retention deleted no segment: %d → %d", segsBefore, got)
	}
	if again := readShardFrom(t, s, ShardID(0), TrimHorizon); len(again) != len(recs) {
		t.Fatalf("deleting expired segments changed what is visible: %d → %d", len(recs), len(again))
	}
	clock.Advance(time.Hour)
	runMaintenance(s)
	if got := s.Stats(); got.Segments != 0 || got.StorageBytes != 0 {
		t.Fatalf("everything expired but %d segments (%d bytes) remain", got.Segments, got.StorageBytes)
	}
	// New writes still get higher sequence numbers and work.
	r := mustPut(t, s, "k", "fresh")
	if recs := readShardFrom(t, s, ShardID(0), TrimHorizon); len(recs) != 1 || recs[0].SequenceNumber() != r.SequenceNumber {
		t.Fatalf("after expiry: %v", payloads(recs))
	}
}

func TestClosedShardsExpire(t *testing.T) {
	clock := newFakeClock()
	st, _ := openTestStore(t, Options{Clock: clock.Now})
	s := mustCreate(t, st, "closed", StreamConfig{Shards: 2, Retention: time.Hour})
	if err := s.MergeShards(ShardID(0), ShardID(1)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(59 * time.Minute)
	runMaintenance(s)
	if n := len(s.Shards()); n != 3 {
		t.Fatalf("%d shards before the parents expire", n)
	}
	clock.Advance(2 * time.Minute)
	runMaintenance(s)
	shards := s.Shards()
	if len(shards) != 1 || shards[0].ShardID != ShardID(2) {
		t.Fatalf("after expiry: %+v", shards)
	}
	if _, err := s.Iterator(ShardID(0), TrimHorizon, "", zeroTime); !errors.Is(err, ErrNotFound) {
		t.Fatalf("iterator on expired shard: %v", err)
	}
}

func fill(t *testing.T, s *Stream, n int, size int) (int, error) {
	t.Helper()
	es := make([]PutEntry, 100)
	for i := range es {
		es[i] = PutEntry{PartitionKey: keyFor(i), Data: make([]byte, size)}
	}
	for i := 0; i < n; i++ {
		if _, err := s.PutRecords(context.Background(), es); err != nil {
			return i, err
		}
	}
	return n, nil
}

func TestOnFullRejectNew(t *testing.T) {
	st, _ := openTestStore(t, Options{})
	s := mustCreate(t, st, "full", StreamConfig{Shards: 2, MaxBytes: 2 << 20, OnFull: RejectNew})
	n, err := fill(t, s, 1000, 1000)
	if !errors.Is(err, ErrStreamFull) {
		t.Fatalf("after %d puts: %v", n, err)
	}
	before := s.Stats()
	if before.StorageBytes > 2<<20 {
		t.Fatalf("stream holds %d bytes over its 2 MiB limit", before.StorageBytes)
	}
	// The refused put wrote nothing, and what was accepted is all there.
	total := 0
	for _, sh := range s.Shards() {
		total += len(readShardFrom(t, s, sh.ShardID, TrimHorizon))
	}
	if total != n*100 || before.RecordsIn != int64(n*100) {
		t.Fatalf("%d puts of 100 accepted, %d records readable, %d counted", n, total, before.RecordsIn)
	}
}

func TestOnFullOverwriteOldest(t *testing.T) {
	st, _ := openTestStore(t, Options{})
	s := mustCreate(t, st, "ring", StreamConfig{Shards: 1, MaxBytes: 2 << 20, OnFull: OverwriteOldest})
	if _, err := fill(t, s, 200, 1000); err != nil { // 20 MB into a 2 MiB stream
		t.Fatal(err)
	}
	runMaintenance(s)
	stats := s.Stats()
	maxSeg, _ := s.Config().segmentLimits(0)
	if stats.StorageBytes > 2<<20+maxSeg {
		t.Fatalf("stream holds %d bytes, limit 2 MiB (+ one segment of %d)", stats.StorageBytes, maxSeg)
	}
	recs := readShardFrom(t, s, ShardID(0), TrimHorizon)
	if len(recs) == 0 || len(recs) >= 20000 {
		t.Fatalf("%d records left", len(recs))
	}
	// The newest records survive; the oldest went.
	c, _ := s.Iterator(ShardID(0), Latest, "", zeroTime)
	mustPut(t, s, "k", "newest")
	if got, _ := readAll(t, s, c); len(got) != 1 {
		t.Fatal("newest record missing")
	}
}

func TestSegmentFilesAreDeleted(t *testing.T) {
	clock := newFakeClock()
	st, dir := openTestStore(t, Options{Clock: clock.Now})
	s := mustCreate(t, st, "files", StreamConfig{Shards: 1, Retention: 8 * time.Minute})
	for i := 0; i < 10; i++ {
		mustPut(t, s, "k", "x")
		clock.Advance(time.Minute)
	}
	count := func() int {
		m, _ := filepath.Glob(filepath.Join(dir, "streams", "*", "*"+segmentExt))
		return len(m)
	}
	before := count()
	clock.Advance(time.Hour)
	runMaintenance(s)
	if after := count(); after != 0 || before < 5 {
		t.Fatalf("segment files: %d before, %d after expiry", before, after)
	}
	if _, err := os.Stat(filepath.Join(dir, "catalog.db")); err != nil {
		t.Fatal(err)
	}
}
