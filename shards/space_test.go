package shards

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testSpace is a disk guard over a disk of total bytes holding the store's
// directory: free is total less what the directory's files take on disk,
// less filler. It refuses below reserve and says how much is short, as
// internal/disk.Guard does; it counts what it was asked.
type testSpace struct {
	dir            string
	total, reserve int64

	mu        sync.Mutex
	filler    int64
	admits    int
	refreshes []error
}

type testRefusal struct{ free, reserve int64 }

func (e *testRefusal) Error() string {
	return fmt.Sprintf("data directory full: %d bytes free, reserve %d", e.free, e.reserve)
}

func (sp *testSpace) free() int64 {
	used := sp.filler
	filepath.WalkDir(sp.dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil {
			if fi, err := d.Info(); err == nil {
				used += fi.Sys().(*syscall.Stat_t).Blocks * 512
			}
		}
		return nil
	})
	return sp.total - used
}

func (sp *testSpace) Admit(n int64) error {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	sp.admits++
	if free := sp.free(); free-n < sp.reserve {
		return &testRefusal{free, sp.reserve}
	}
	return nil
}

func (sp *testSpace) Short(n int64) int64 {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return max(sp.reserve+n-sp.free(), 0)
}

func (sp *testSpace) Refresh(cause error) error {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	sp.refreshes = append(sp.refreshes, cause)
	if cause != nil {
		return &testRefusal{sp.free(), sp.reserve}
	}
	if free := sp.free(); free < sp.reserve {
		return &testRefusal{free, sp.reserve}
	}
	return nil
}

func (sp *testSpace) Total() int64 { return sp.total }

func (sp *testSpace) fill(n int64) {
	sp.mu.Lock()
	sp.filler += n
	sp.mu.Unlock()
}

func (sp *testSpace) admitCount() int {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.admits
}

// openSpaceStore opens a store on a disk of total bytes, reserve kept.
func openSpaceStore(t *testing.T, total, reserve int64, h *hooks) (*Store, *testSpace) {
	t.Helper()
	dir := t.TempDir()
	sp := &testSpace{dir: dir, total: total, reserve: reserve}
	st, err := Open(dir, Options{Space: sp, hooks: h})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, sp
}

func TestAFullDiskRefusesNewRecordsAndKeepsBookkeeping(t *testing.T) {
	ctx := context.Background()
	st, sp := openSpaceStore(t, 1<<30, 1<<20, nil)
	s := mustCreate(t, st, "s", StreamConfig{Shards: 2})
	cons, err := s.RegisterConsumer("app")
	if err != nil {
		t.Fatal(err)
	}
	acked := mustPut(t, s, "a", "before")

	sp.fill(sp.free() - sp.reserve) // the disk is at the reserve
	_, err = s.PutRecords(ctx, []PutEntry{{PartitionKey: "a", Data: []byte("x")}, {PartitionKey: "b", Data: []byte("y")}})
	if !errors.Is(err, ErrDiskFull) || !strings.HasPrefix(err.Error(), "data directory full: ") {
		t.Fatalf("put on a full disk: %v", err)
	}
	var refusal *testRefusal
	if !errors.As(err, &refusal) {
		t.Errorf("the guard's refusal is not in %v", err)
	}
	// Bookkeeping does not ask: checkpoints, consumers, streams.
	asked := sp.admitCount()
	if err := s.Checkpoint(cons.Name, acked.ShardID, acked.SequenceNumber); err != nil {
		t.Fatalf("checkpoint on a full disk: %v", err)
	}
	if _, err := s.RegisterConsumer("other"); err != nil {
		t.Fatalf("consumer on a full disk: %v", err)
	}
	if _, err := st.CreateStream("uplink-status", StreamConfig{Shards: 1}); err != nil {
		t.Fatalf("stream on a full disk: %v", err)
	}
	if n := sp.admitCount() - asked; n != 0 {
		t.Errorf("bookkeeping asked the guard %d times", n)
	}
	// The gateway's own reports use the reserve.
	status, _ := st.Stream("uplink-status")
	if err := status.PutAllReserved(ctx, []PutEntry{{PartitionKey: "disk", Data: []byte(`{"event":"disk_full"}`)}}); err != nil {
		t.Fatalf("reserved put on a full disk: %v", err)
	}
	if err := status.PutAll(ctx, []PutEntry{{PartitionKey: "disk", Data: []byte("new data")}}); !errors.Is(err, ErrDiskFull) {
		t.Errorf("plain put into the status stream: %v", err)
	}

	sp.fill(-(1 << 20)) // space returns
	mustPut(t, s, "a", "after")
	got := payloads(readShardFrom(t, s, acked.ShardID, TrimHorizon))
	if strings.Join(got, ",") != "before,after" {
		t.Errorf("shard holds %v", got)
	}
	if cp, _ := s.Checkpoints(cons.Name); cp[acked.ShardID] != acked.SequenceNumber {
		t.Errorf("checkpoint %v", cp)
	}
}

func TestAFailedWriteForWantOfSpaceIsDiskFull(t *testing.T) {
	ctx := context.Background()
	for _, withGuard := range []bool{true, false} {
		t.Run(fmt.Sprintf("guard=%v", withGuard), func(t *testing.T) {
			var mu sync.Mutex
			failing := false
			h := &hooks{segmentWrite: func(path string) error {
				mu.Lock()
				defer mu.Unlock()
				if failing {
					return &fs.PathError{Op: "write", Path: path, Err: syscall.ENOSPC}
				}
				return nil
			}}
			var st *Store
			var sp *testSpace
			if withGuard {
				st, sp = openSpaceStore(t, 1<<30, 1<<20, h)
			} else {
				st, _ = openTestStore(t, Options{hooks: h})
			}
			s := mustCreate(t, st, "s", StreamConfig{Shards: 1})
			first := mustPut(t, s, "k", "1")
			mu.Lock()
			failing = true
			mu.Unlock()
			_, err := s.PutRecord(ctx, PutEntry{PartitionKey: "k", Data: []byte("2")})
			if !errors.Is(err, ErrDiskFull) || !errors.Is(err, syscall.ENOSPC) && withGuard == false {
				t.Fatalf("put meeting ENOSPC: %v", err)
			}
			if withGuard {
				if !strings.HasPrefix(err.Error(), "data directory full: ") || len(sp.refreshes) != 1 || !errors.Is(sp.refreshes[0], syscall.ENOSPC) {
					t.Errorf("put meeting ENOSPC: %v; the guard was told %v", err, sp.refreshes)
				}
			} else if !strings.Contains(err.Error(), "no space left on device") {
				t.Errorf("put meeting ENOSPC without a guard: %v", err)
			}
			mu.Lock()
			failing = false
			mu.Unlock()
			third := mustPut(t, s, "k", "3")
			if got := payloads(readShardFrom(t, s, first.ShardID, TrimHorizon)); strings.Join(got, ",") != "1,3" || third.SequenceNumber <= first.SequenceNumber {
				t.Errorf("shard holds %v", got)
			}
		})
	}
}

func TestOverwriteOldestMakesRoomOnAFullDisk(t *testing.T) {
	ctx := context.Background()
	// A 16 MiB disk, 2 MiB reserve: segments of 1 MiB (a sixteenth).
	const total, reserve = 16 << 20, 2 << 20
	st, sp := openSpaceStore(t, total, reserve, nil)
	if st.segmentCap != 1<<20 {
		t.Fatalf("segment cap %d on a 16 MiB disk", st.segmentCap)
	}
	// A byte limit the disk cannot hold: the disk is the constraint.
	ring := mustCreate(t, st, "ring", StreamConfig{Shards: 1, MaxBytes: 1 << 30, OnFull: OverwriteOldest})
	kept := mustCreate(t, st, "kept", StreamConfig{Shards: 1}) // no byte limit: no overwriting
	keptFirst := mustPut(t, kept, "k", "kept-0")

	payload := strings.Repeat("r", 32<<10)
	var last PutResult
	for i := range 1200 { // 38 MiB through a disk of 16
		res, err := ring.PutRecords(ctx, []PutEntry{{PartitionKey: "k", Data: []byte(fmt.Sprintf("%05d%s", i, payload))}})
		if err != nil {
			t.Fatalf("put %d into the overwrite_oldest stream: %v (free %d)", i, err, sp.free())
		}
		last = res[0]
	}
	if free := sp.free(); free < reserve/2 {
		t.Errorf("the ring ran into the reserve: %d bytes free", free)
	}
	recs := readShardFrom(t, ring, last.ShardID, TrimHorizon)
	if len(recs) == 0 || len(recs) > 500 || recs[len(recs)-1].SequenceNumber() != last.SequenceNumber {
		t.Fatalf("the ring holds %d records, the last %v", len(recs), recs[len(recs)-1].SequenceNumber())
	}
	// Whole segments went, oldest first: what is left is one run.
	first := string(recs[0].Data[:5])
	for i, r := range recs {
		if want := fmt.Sprintf("%05d", 1200-len(recs)+i); string(r.Data[:5]) != want {
			t.Fatalf("record %d is %s, want %s (first %s)", i, r.Data[:5], want, first)
		}
	}
	// The stream without a byte limit refuses, and keeps what it had.
	sp.fill(sp.free() - reserve)
	if _, err := kept.PutRecord(ctx, PutEntry{PartitionKey: "k", Data: []byte("x")}); !errors.Is(err, ErrDiskFull) {
		t.Errorf("put into a stream without a byte limit on a full disk: %v", err)
	}
	if got := payloads(readShardFrom(t, kept, keptFirst.ShardID, TrimHorizon)); strings.Join(got, ",") != "kept-0" {
		t.Errorf("kept holds %v", got)
	}
}

func TestOverwriteOldestDoesNotDropWhatAReaderHolds(t *testing.T) {
	// A dropped segment a reader still holds keeps its blocks: the stream
	// drops no more until it is gone, rather than all it has.
	ctx := context.Background()
	const total, reserve = 16 << 20, 2 << 20
	var hold sync.WaitGroup
	var once sync.Once
	entered := make(chan struct{})
	hold.Add(1)
	h := &hooks{inSegmentRead: func(string) {
		once.Do(func() { close(entered); hold.Wait() })
	}}
	st, sp := openSpaceStore(t, total, reserve, h)
	ring := mustCreate(t, st, "ring", StreamConfig{Shards: 1, MaxBytes: 1 << 30, OnFull: OverwriteOldest})
	payload := []byte(strings.Repeat("r", 32<<10))
	put := func() error {
		_, err := ring.PutRecord(ctx, PutEntry{PartitionKey: "k", Data: payload})
		return err
	}
	for range 100 {
		if err := put(); err != nil {
			t.Fatal(err)
		}
	}
	c, err := ring.Iterator(ring.Shards()[0].ShardID, TrimHorizon, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	read := make(chan error, 1)
	go func() { // holds the oldest segment
		_, err := ring.Read(c, 10)
		read <- err
	}()
	<-entered
	segs := ring.Stats().Segments
	for i := 0; i < 1000 && err == nil; i++ {
		err = put()
	}
	if !errors.Is(err, ErrDiskFull) {
		t.Fatalf("with the oldest segment held: %v", err)
	}
	if n := ring.Stats().Segments; n < segs/2 {
		t.Errorf("dropped %d of %d segments while the first was held", segs-n, segs)
	}
	hold.Done()
	if err := <-read; err != nil {
		t.Fatalf("read: %v", err)
	}
	// Once the reader lets go, its blocks return and puts go on.
	for i := 0; ; i++ {
		if err := put(); err == nil {
			break
		} else if i > 1000 {
			t.Fatalf("after the reader let go: %v (free %d)", err, sp.free())
		}
	}
}

func TestSegmentCap(t *testing.T) {
	for total, want := range map[int64]int64{
		0:        0,
		16 << 20: 1 << 20,
		1 << 20:  minSegmentBytes,
		32 << 30: 0, // 64 MiB segments fit sixteen times
	} {
		if got := segmentCap(total); got != want && !(total == 32<<30 && maxSegmentBytes*16 > total) {
			t.Errorf("segmentCap(%d) = %d, want %d", total, got, want)
		}
	}
}
