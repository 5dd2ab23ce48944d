package shards

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A segment is one bbolt file holding a time-bounded slice of a stream: a
// bucket per shard (named by the 4-byte shard index), chunks keyed by the
// big-endian position of their first record. Only the stream's writer
// appends, and only to the newest segment; older segments are read-only and
// opened on demand.
//
// A segment's life is counted in references: the stream's list of segments
// holds one from creation until retention or closing drops it, and each
// reader holds one while it reads. The last holder to let go closes the
// file (and deletes it when retention dropped it), so a reader never has a
// file closed under it and neither a roll nor retention waits for a reader.
type segment struct {
	id   uint64
	path string

	refs     atomic.Int64
	remove   atomic.Bool   // set before the list lets go: delete the file at the end
	gone     chan struct{} // closed when the last holder has closed the file
	closeErr error         // how that close went; read after gone

	openMu  sync.Mutex
	db      *bolt.DB
	lastUse atomic.Int64 // unix nanos, for closing idle sealed segments

	// Range of arrival times held, in Unix ms; both 0 when empty. Written
	// by the writer (or at open) while it holds stream.mu for writing, or,
	// for the active segment, published through the atomics.
	firstMs atomic.Int64
	lastMs  atomic.Int64
	size    atomic.Int64 // bytes in use: the bbolt high-water mark

	// tail is what retention, visibility and arrival times need of the
	// segment's records and clocks; nil while it holds no record. The
	// committer replaces it after each commit, before the shards' tips.
	tail atomic.Pointer[segTail]
	// hideable: no consumer the stream keeps records for needs the
	// segment (set by retention, which looked); only then are its records
	// hidden once past retention. Streams that keep for nobody ignore it.
	hideable atomic.Bool
}

// segTail describes a segment's records: their positions, per shard and
// overall, and the stamps of its first and last commits. It is never
// changed once published.
type segTail struct {
	firstPos, lastPos uint64
	lasts             map[int]uint64 // shard index → its last position here
	first, last       stamp
	stamped           bool // the file holds the stamps (not estimated and unwritten)
}

// withCommit returns the tail after a commit of chunks ending at lasts,
// stamped s.
func (t *segTail) withCommit(chunks []chunkWrite, lasts []placement, s stamp) *segTail {
	n := &segTail{lasts: map[int]uint64{}, last: s, first: s, stamped: true}
	if t != nil {
		*n = *t
		n.lasts = make(map[int]uint64, len(t.lasts)+len(lasts))
		for k, v := range t.lasts {
			n.lasts[k] = v
		}
		n.last = s
	}
	for _, c := range chunks {
		if n.firstPos == 0 || c.first < n.firstPos {
			n.firstPos = c.first
		}
	}
	for _, l := range lasts {
		n.lasts[l.shard] = max(n.lasts[l.shard], l.pos)
		n.lastPos = max(n.lastPos, l.pos)
	}
	return n
}

const segmentExt = ".seg"

func segmentPath(dir string, id uint64) string {
	return filepath.Join(dir, fmt.Sprintf("%016x%s", id, segmentExt))
}

// listSegments returns the segment ids in dir in ascending order.
func listSegments(dir string) ([]uint64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var ids []uint64
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, segmentExt) {
			continue
		}
		id, err := strconv.ParseUint(strings.TrimSuffix(name, segmentExt), 16, 64)
		if err != nil {
			continue
		}
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids, nil
}

func boltOptions(mmap int) *bolt.Options {
	// The freelist is synced (no NoFreelistSync): rebuilding it at open
	// walks the tree in a goroutine of bbolt's that panics on a damaged
	// page, which no recover can catch. Never NoSync.
	return &bolt.Options{
		Timeout:         time.Second,
		FreelistType:    bolt.FreelistMapType,
		InitialMmapSize: mmap,
	}
}

// newSegment returns a segment whose only holder is the stream's list.
func newSegment(dir string, id uint64) *segment {
	s := &segment{id: id, path: segmentPath(dir, id), gone: make(chan struct{})}
	s.refs.Store(1)
	return s
}

// createSegment makes a new, empty segment file.
func createSegment(dir string, id uint64, mmap int) (*segment, error) {
	s := newSegment(dir, id)
	db, err := bolt.Open(s.path, 0o600, boltOptions(mmap))
	if err != nil {
		return nil, fmt.Errorf("shards: create segment %s: %w", s.path, err)
	}
	db.AllocSize = 16 << 20
	s.db = db
	s.touch()
	return s, nil
}

func (s *segment) touch() { s.lastUse.Store(time.Now().UnixNano()) }

// acquire adds a reader's reference. The caller holds stream.mu and found
// the segment in the stream's list, which holds a reference of its own, so
// the count cannot be zero here.
func (s *segment) acquire() { s.refs.Add(1) }

// release drops a reference; the last one closes the file, and deletes it
// if retention dropped the segment. It returns the error of that close or
// delete.
func (s *segment) release() error {
	if s.refs.Add(-1) != 0 {
		return nil
	}
	err := s.close()
	if s.remove.Load() {
		// Gone already when the stream was deleted meanwhile. The
		// directory is synced so that a power cut does not bring back a
		// segment retention deleted, its records below the stream's
		// floor served again, its bytes counted against max_bytes.
		rerr := os.Remove(s.path)
		if rerr == nil {
			rerr = syncDir(filepath.Dir(s.path))
		}
		if rerr != nil && !errors.Is(rerr, fs.ErrNotExist) && err == nil {
			err = fmt.Errorf("shards: delete segment: %w", rerr)
		}
	}
	s.closeErr = err
	close(s.gone)
	return err
}

// handle returns the open database, opening a sealed segment on demand.
// The caller holds a reference.
func (s *segment) handle() (*bolt.DB, error) {
	s.openMu.Lock()
	defer s.openMu.Unlock()
	s.touch()
	if s.db != nil {
		return s.db, nil
	}
	db, err := bolt.Open(s.path, 0o600, boltOptions(0))
	if err != nil {
		return nil, fmt.Errorf("shards: open segment %s: %w", s.path, err)
	}
	s.db = db
	return db, nil
}

// closeIfIdle closes a sealed segment's file if unused since before t and
// no reader holds it (only the list's reference is left). A reader taking a
// reference after the check waits for openMu in handle and reopens the
// file. A segment being opened by a reader is in use: the writer, which
// calls this, does not wait for the open.
func (s *segment) closeIfIdle(t time.Time) {
	if !s.openMu.TryLock() {
		return
	}
	defer s.openMu.Unlock()
	if s.db != nil && s.refs.Load() == 1 && s.lastUse.Load() < t.UnixNano() {
		s.db.Close()
		s.db = nil
	}
}

// close closes the file if it is open. It ends nothing: while the segment
// has holders, handle opens the file again. Opening a store uses it to let
// sealed segments go until read; release, to close for good.
func (s *segment) close() error {
	s.openMu.Lock()
	defer s.openMu.Unlock()
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	return err
}

func shardBucket(shard int) []byte {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(shard))
	return b[:]
}

// chunkWrite is one chunk to store in the active segment.
type chunkWrite struct {
	shard int
	first uint64
	data  []byte
}

// write stores chunks (grouped by shard) in one fsync'd transaction: a run
// per shard (see layout.go), and the commit's stamp.
func (s *segment) write(chunks []chunkWrite, st stamp) error {
	var size int64
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := putStamps(tx, st); err != nil {
			return err
		}
		for i := 0; i < len(chunks); {
			j := i + 1
			for j < len(chunks) && chunks[j].shard == chunks[i].shard {
				j++
			}
			if err := putRun(tx, chunks[i].shard, chunks[i:j]); err != nil {
				return err
			}
			i = j
		}
		size = tx.Size()
		return nil
	})
	if err != nil {
		return fmt.Errorf("shards: write segment %s: %w", s.path, err)
	}
	s.size.Store(size)
	return nil
}

// shardRange is what a segment holds of one shard.
type shardRange struct{ first, last uint64 }

// scan reads the per-shard ranges of an open segment from its first and
// last chunk keys and headers, and sets the segment's time range and tail
// (with no stamps when the file has none: Open estimates them).
func (s *segment) scan() (map[int]shardRange, error) {
	out := map[int]shardRange{}
	t := &segTail{lasts: map[int]uint64{}}
	err := s.db.View(func(tx *bolt.Tx) error {
		s.size.Store(tx.Size())
		t.first, t.last, t.stamped = readStamps(tx)
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if len(name) != 4 {
				return nil
			}
			c := newChunkCursor(b)
			fk, _ := c.First()
			lk, lv := c.Last()
			if fk == nil {
				return nil
			}
			// A damaged last chunk (only a sealed segment can still have
			// one: the newest is verified at open) ends at or after its key.
			last := binary.BigEndian.Uint64(lk)
			if h, err := parseChunkHeader(lv); err == nil {
				last = h.last
			}
			out[int(binary.BigEndian.Uint32(name))] = shardRange{binary.BigEndian.Uint64(fk), last}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("shards: scan segment %s: %w", s.path, err)
	}
	var lo, hi int64
	for idx, r := range out {
		if f := posMillis(r.first); lo == 0 || f < lo {
			lo = f
		}
		hi = max(hi, posMillis(r.last))
		if t.firstPos == 0 || r.first < t.firstPos {
			t.firstPos = r.first
		}
		t.lastPos = max(t.lastPos, r.last)
		t.lasts[idx] = r.last
	}
	s.firstMs.Store(lo)
	s.lastMs.Store(hi)
	if len(out) > 0 {
		s.tail.Store(t)
	}
	return out, nil
}

// restamp gives a segment without stamps the estimated one, in memory and
// in its file, so that the estimate is made once: a later open, with the
// wall clock elsewhere, does not estimate again. A file that cannot take
// it keeps the estimate in memory only.
func (s *segment) restamp(est stamp, log func(err error)) {
	t := s.tail.Load()
	n := *t
	n.first, n.last, n.stamped = est, est, true
	s.tail.Store(&n)
	db, err := s.handle()
	if err == nil {
		err = guard("stamp "+s.path, func() error {
			return db.Update(func(tx *bolt.Tx) error { return putStamps(tx, est) })
		})
	}
	if err != nil {
		log(err)
	}
}
