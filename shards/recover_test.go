package shards

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// segmentFiles returns a stream's segment files, oldest first.
func streamSegmentFiles(t testing.TB, dir, stream string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "streams", stream+"-*", "*"+segmentExt))
	if err != nil || len(m) == 0 {
		t.Fatalf("no segment files for %s: %v", stream, err)
	}
	return m
}

// corruptAll flips a byte in every copy of needle in the file.
func corruptAll(t *testing.T, path string, needle []byte) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for off := 0; ; {
		i := bytes.Index(raw[off:], needle)
		if i < 0 {
			break
		}
		raw[off+i] ^= 0xff
		off += i + 1
		n++
	}
	if n == 0 {
		t.Fatalf("%q not in %s", needle, path)
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

func reopen(t *testing.T, dir string) *Store {
	t.Helper()
	st, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestDamagedTailIsCutOff(t *testing.T) {
	st, dir := openTestStore(t, Options{})
	s := mustCreate(t, st, "tail", StreamConfig{Shards: 1})
	for i := 0; i < 20; i++ {
		mustPut(t, s, "k", fmt.Sprintf("good-%02d", i))
	}
	mustPut(t, s, "k", "LAST-RECORD-torn-by-power-loss")
	st.Close()
	corruptAll(t, streamSegmentFiles(t, dir, "tail")[0], []byte("LAST-RECORD"))

	st2 := reopen(t, dir)
	d := st2.Damage()
	if len(d) != 1 || d[0].Stream != "tail" || d[0].Shard != 0 || d[0].Chunks != 1 {
		t.Fatalf("damage %+v", d)
	}
	s2, _ := st2.Stream("tail")
	got := payloads(readShardFrom(t, s2, ShardID(0), TrimHorizon))
	if len(got) != 20 || got[19] != "good-19" {
		t.Fatalf("after cut: %v", got)
	}
	r := mustPut(t, s2, "k", "after")
	if got := payloads(readShardFrom(t, s2, ShardID(0), TrimHorizon)); got[len(got)-1] != "after" {
		t.Fatalf("put after repair not readable: %v (%s)", got, r.SequenceNumber)
	}
	// A second open finds nothing more to repair.
	st2.Close()
	if d := reopen(t, dir).Damage(); len(d) != 0 {
		t.Fatalf("damage on a clean reopen: %+v", d)
	}
}

func TestTruncatedSegmentIsSalvaged(t *testing.T) {
	st, dir := openTestStore(t, Options{})
	s := mustCreate(t, st, "trunc", StreamConfig{Shards: 2})
	ctx := context.Background()
	for i := 0; i < 200; i++ {
		es := make([]PutEntry, 50)
		for j := range es {
			es[j] = PutEntry{PartitionKey: keyFor(j), Data: []byte(fmt.Sprintf("r-%d-%d", i, j))}
		}
		if _, err := s.PutRecords(ctx, es); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	path := streamSegmentFiles(t, dir, "trunc")[0]
	// Cut the file in the middle of its data (bbolt grows files ahead of
	// what they hold, so half the file size could cut nothing).
	raw, _ := os.ReadFile(path)
	end := len(bytes.TrimRight(raw, "\x00"))
	if err := os.Truncate(path, int64(end/2)); err != nil {
		t.Fatal(err)
	}

	st2 := reopen(t, dir)
	d := st2.Damage()
	if len(d) == 0 || d[0].Shard != -1 {
		t.Fatalf("damage %+v", d)
	}
	s2, _ := st2.Stream("trunc")
	n := 0
	for _, sh := range s2.Shards() {
		recs := readShardFrom(t, s2, sh.ShardID, TrimHorizon)
		for i := 1; i < len(recs); i++ {
			if recs[i].SequenceNumber() <= recs[i-1].SequenceNumber() {
				t.Fatal("salvaged records out of order")
			}
		}
		n += len(recs)
	}
	if n == 0 || n > 10000 {
		t.Fatalf("salvaged %d of 10000 records", n)
	}
	t.Logf("salvaged %d of 10000 records from half a file", n)
	mustPut(t, s2, "k", "after")
}

func TestUnreadableSegmentIsRebuilt(t *testing.T) {
	st, dir := openTestStore(t, Options{})
	s := mustCreate(t, st, "meta", StreamConfig{Shards: 1})
	for i := 0; i < 10; i++ {
		mustPut(t, s, "k", fmt.Sprint(i))
	}
	st.Close()
	path := streamSegmentFiles(t, dir, "meta")[0]
	f, _ := os.OpenFile(path, os.O_RDWR, 0)
	f.WriteAt(make([]byte, 2*os.Getpagesize()), 0) // both bbolt meta pages gone
	f.Close()
	st2 := reopen(t, dir)
	s2, _ := st2.Stream("meta")
	if got := payloads(readShardFrom(t, s2, ShardID(0), TrimHorizon)); len(got) != 10 {
		t.Fatalf("rebuilt %v", got)
	}
	if d := st2.Damage(); len(d) != 1 || d[0].Shard != -1 || d[0].Chunks == 0 {
		t.Fatalf("damage %+v", d)
	}
}

func TestEmptySegmentFileIsRemoved(t *testing.T) {
	st, dir := openTestStore(t, Options{})
	s := mustCreate(t, st, "empty", StreamConfig{Shards: 1})
	mustPut(t, s, "k", "x")
	st.Close()
	// A crash between creating a segment file and its first commit.
	empty := segmentPath(filepath.Dir(streamSegmentFiles(t, dir, "empty")[0]), ^uint64(0)>>1)
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	st2 := reopen(t, dir)
	if d := st2.Damage(); len(d) != 0 {
		t.Fatalf("an empty file reported as damage: %+v", d)
	}
	if _, err := os.Stat(empty); !os.IsNotExist(err) {
		t.Fatalf("empty segment file not removed: %v", err)
	}
	s2, _ := st2.Stream("empty")
	if got := payloads(readShardFrom(t, s2, ShardID(0), TrimHorizon)); len(got) != 1 {
		t.Fatalf("read %v", got)
	}
	mustPut(t, s2, "k", "y")
}

func TestCorruptChunkInSealedSegmentIsSkipped(t *testing.T) {
	clock := newFakeClock()
	st, dir := openTestStore(t, Options{Clock: clock.Now})
	s := mustCreate(t, st, "sealed", StreamConfig{Shards: 1, Retention: 8 * time.Minute})
	for i := 0; i < 6; i++ {
		mustPut(t, s, "k", fmt.Sprintf("rec-%d", i))
		clock.Advance(90 * time.Second) // a segment per record (span 60 s)
	}
	clock.Advance(-7 * time.Minute) // keep all six inside retention
	st.Close()
	files := streamSegmentFiles(t, dir, "sealed")
	if len(files) < 3 {
		t.Fatalf("%d segments", len(files))
	}
	corruptAll(t, files[1], []byte("rec-1"))
	st2, err := Open(dir, Options{Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	s2, _ := st2.Stream("sealed")
	got := payloads(readShardFrom(t, s2, ShardID(0), TrimHorizon))
	if fmt.Sprint(got) != "[rec-0 rec-2 rec-3 rec-4 rec-5]" {
		t.Fatalf("read %v", got)
	}
	if n := s2.Stats().CorruptChunks; n != 1 {
		t.Fatalf("corrupt chunks counted: %d", n)
	}
}

// FuzzSegment: a segment file with arbitrary bytes changed never panics the
// store: it opens (repaired) or fails with an error, and what opens reads.
func FuzzSegment(f *testing.F) {
	dir := f.TempDir()
	st, err := Open(dir, Options{})
	if err != nil {
		f.Fatal(err)
	}
	s, _ := st.CreateStream("fz", StreamConfig{Shards: 2})
	for i := 0; i < 30; i++ {
		s.PutRecord(context.Background(), PutEntry{PartitionKey: keyFor(i), Data: []byte(fmt.Sprint(i))})
	}
	st.Close()
	m, _ := filepath.Glob(filepath.Join(dir, "streams", "*", "*"+segmentExt))
	orig, err := os.ReadFile(m[0])
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint32(0), []byte{0xff})
	f.Add(uint32(4096), []byte{0, 0, 0, 0})
	f.Add(uint32(len(orig)-100), []byte("TGC1"))
	f.Add(uint32(len(orig)/2), []byte{})
	f.Fuzz(func(t *testing.T, off uint32, patch []byte) {
		raw := append([]byte(nil), orig...)
		if len(patch) == 0 {
			raw = raw[:int(off)%len(raw)] // truncation
		} else {
			for i, b := range patch {
				raw[(int(off)+i)%len(raw)] ^= b
			}
		}
		d := t.TempDir()
		id := binary.BigEndian.Uint64(make([]byte, 8)) + 1
		if err := os.WriteFile(segmentPath(d, id), raw, 0o600); err != nil {
			t.Fatal(err)
		}
		g, ranges, _, err := openSegment(d, id, true, 0)
		if g == nil && err == nil {
			return // an empty file is removed
		}
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Logf("open: %v", err)
			}
			return
		}
		defer g.close()
		for shard := range ranges {
			rs := &Stream{log: discardLogger(), store: &Store{}}
			rd := reader{shard: shard, to: ^uint64(0), limit: MaxRecordsPerRead}
			if err := rs.readSegments([]*segment{g}, &rd); err != nil && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("read: %v", err)
			}
		}
	})
}
