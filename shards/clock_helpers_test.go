package shards

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"
)

// boardClocks are a Raspberry Pi's clocks for tests: a wall clock that NTP,
// fake-hwclock or an operator can step, a monotonic clock (CLOCK_BOOTTIME)
// that only runs, the boot it counts from, and the kernel's synchronized
// flag.
type boardClocks struct {
	mu     sync.Mutex
	wall   time.Time
	boot   string
	since  time.Duration
	synced bool
}

func newBoardClocks(wall time.Time, synced bool) *boardClocks {
	return &boardClocks{wall: wall, boot: "boot-1", since: 30 * time.Second, synced: synced}
}

func (c *boardClocks) Wall() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wall
}

func (c *boardClocks) Synced() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.synced
}

// boardMonotonic is the Monotonic face of boardClocks.
type boardMonotonic struct{ c *boardClocks }

func (m boardMonotonic) Now() (string, time.Duration) {
	m.c.mu.Lock()
	defer m.c.mu.Unlock()
	return m.c.boot, m.c.since
}

// Live lets d pass: both clocks run.
func (c *boardClocks) Live(d time.Duration) {
	c.mu.Lock()
	c.wall, c.since = c.wall.Add(d), c.since+d
	c.mu.Unlock()
}

// Step moves the wall clock alone.
func (c *boardClocks) Step(d time.Duration) {
	c.mu.Lock()
	c.wall = c.wall.Add(d)
	c.mu.Unlock()
}

// Sync is NTP's first answer: the wall clock stepped to the true time.
func (c *boardClocks) Sync(truth time.Time) {
	c.mu.Lock()
	c.wall, c.synced = truth, true
	c.mu.Unlock()
}

// Reboot starts a new boot, the wall clock set to what the board starts
// with (1970, or fake-hwclock's saved time), not yet synchronized.
func (c *boardClocks) Reboot(boot string, wall time.Time) {
	c.mu.Lock()
	c.boot, c.since, c.wall, c.synced = boot, 20*time.Second, wall, false
	c.mu.Unlock()
}

// eventLog collects a store's events.
type eventLog struct {
	mu  sync.Mutex
	evs []Event
}

func (l *eventLog) add(ev Event) {
	l.mu.Lock()
	l.evs = append(l.evs, ev)
	l.mu.Unlock()
}

// wait returns the events of kind once there are n of them (events are
// handed on by the store's own goroutine).
func (l *eventLog) wait(t *testing.T, kind EventKind, n int) []Event {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		l.mu.Lock()
		var out []Event
		for _, ev := range l.evs {
			if ev.Kind == kind {
				out = append(out, ev)
			}
		}
		l.mu.Unlock()
		if len(out) >= n || time.Now().After(deadline) {
			if len(out) != n {
				t.Fatalf("%d %s events, want %d: %+v", len(out), kind, n, out)
			}
			return out
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (c *boardClocks) options(events *eventLog) Options {
	return Options{Clock: c.Wall, Monotonic: boardMonotonic{c}, Synced: c.Synced, OnEvent: events.add}
}

// openBoard opens dir on the board's clocks; Close is the caller's.
func openBoard(t *testing.T, dir string, c *boardClocks, events *eventLog) *Store {
	t.Helper()
	st, err := Open(dir, c.options(events))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return st
}

// putOverTime puts records n0..n0+count-1 one put at a time, each with
// partition key "k<i mod keys>" and data "r<i>", letting every pass before
// each.
func putOverTime(t *testing.T, s *Stream, c *boardClocks, n0, count, keys int, every time.Duration) {
	t.Helper()
	for i := n0; i < n0+count; i++ {
		c.Live(every)
		_, err := s.PutRecord(context.Background(), PutEntry{PartitionKey: fmt.Sprintf("k%d", i%keys), Data: []byte(fmt.Sprintf("r%05d", i))})
		if err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
}

// readStream reads every shard of s from TRIM_HORIZON, parents before
// children, and returns the records by shard in read order.
func readStream(t *testing.T, s *Stream) map[string][]Record {
	t.Helper()
	out := map[string][]Record{}
	for _, sh := range s.Shards() {
		out[sh.ShardID] = readShardFrom(t, s, sh.ShardID, TrimHorizon)
	}
	return out
}

// checkNumbered checks that exactly the records numbered in want are
// readable, once each, and that every partition key's records come in the
// order they were put, with increasing sequence numbers and arrival times
// that never go back within a shard.
func checkNumbered(t *testing.T, s *Stream, want []int) {
	t.Helper()
	seen := map[int]bool{}
	lastOfKey := map[string]int{}
	for shard, recs := range readStream(t, s) {
		var prevSeq string
		var prevArrival time.Time
		for _, r := range recs {
			var i int
			if _, err := fmt.Sscanf(string(r.Data), "r%05d", &i); err != nil {
				t.Fatalf("%s: record %q: %v", shard, r.Data, err)
			}
			if seen[i] {
				t.Fatalf("%s: record %d read twice", shard, i)
			}
			seen[i] = true
			if p, ok := lastOfKey[r.PartitionKey]; ok && i < p {
				t.Fatalf("%s: key %s: record %d after %d", shard, r.PartitionKey, i, p)
			}
			lastOfKey[r.PartitionKey] = i
			if seq := r.SequenceNumber(); seq <= prevSeq {
				t.Fatalf("%s: sequence numbers not increasing: %s after %s", shard, seq, prevSeq)
			} else {
				prevSeq = seq
			}
			if r.ArrivalTime.Before(prevArrival) {
				t.Fatalf("%s: record %d arrived at %v, before the record read before it (%v)", shard, i, r.ArrivalTime, prevArrival)
			}
			prevArrival = r.ArrivalTime
		}
	}
	var missing, extra []int
	wantSet := map[int]bool{}
	for _, i := range want {
		wantSet[i] = true
		if !seen[i] {
			missing = append(missing, i)
		}
	}
	for i := range seen {
		if !wantSet[i] {
			extra = append(extra, i)
		}
	}
	sort.Ints(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("%d records readable, want %d: missing %v, unexpected %v", len(seen), len(want), missing, extra)
	}
}

func numbers(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

// recordsByNumber reads s and indexes its records by their number.
func recordsByNumber(t *testing.T, s *Stream) map[int]Record {
	t.Helper()
	out := map[int]Record{}
	for _, recs := range readStream(t, s) {
		for _, r := range recs {
			var i int
			fmt.Sscanf(string(r.Data), "r%05d", &i)
			out[i] = r
		}
	}
	return out
}

// extractStore unpacks a store kept as a .tar.gz into a fresh directory.
// bbolt files are mostly unused space: runs of zeros become holes, so the
// two 16 MiB segments of the fixture take a few pages on disk.
func extractStore(t *testing.T, archive string) string {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return dir
		}
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, filepath.FromSlash(h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(path, 0o700); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := writeSparse(path, tr, h.Size); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func writeSparse(path string, r io.Reader, size int64) error {
	out, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer out.Close()
	buf := make([]byte, 64<<10)
	zero := make([]byte, len(buf))
	var off int64
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			if !bytes.Equal(buf[:n], zero[:n]) {
				if _, werr := out.WriteAt(buf[:n], off); werr != nil {
					return werr
				}
			}
			off += int64(n)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	return out.Truncate(size)
}
