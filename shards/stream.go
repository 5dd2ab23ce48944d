package shards

import (
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
)

// Stream is one named, sharded, durable log. Its methods are safe for
// concurrent use. All changes (puts, resharding, retention) run on one
// writer goroutine per stream, which is what makes group commit and
// resharding race-free.
type Stream struct {
	store *Store
	name  string
	dir   string
	log   *slog.Logger

	// mu guards meta, shards, open and segs. The writer is their only
	// mutator; it takes mu for writing only to publish a change, so its
	// own reads need no lock.
	mu     sync.RWMutex
	meta   streamMeta
	shards map[int]*shard
	open   []*shard   // open shards in hash key order: the routing table
	segs   []*segment // ascending by id; the last one takes writes
	closed bool       // set once the files are closed: reads fail from then on

	reqs     chan *request
	ctrl     chan func()
	stopping chan struct{}
	done     chan struct{}
	stopOnce sync.Once

	notifyMu sync.Mutex
	notify   chan struct{}

	jobs      chan *job     // sequencer → committer
	committed chan struct{} // closed when the committer exits
	bufs      chan []byte   // the two encode buffers the pipeline alternates
	inflight  atomic.Int64  // encoded bytes sent to the committer, not yet written
	heldDrops []*segment    // sequencer-only: dropped for disk space, still held by a reader

	stats streamStats
}

type shard struct {
	index    int
	rng      HashRange
	startPos uint64
	endPos   atomic.Uint64 // 0 while open
	last     atomic.Uint64 // last durable position; 0 when none
	next     uint64        // sequencer-only: last assigned position
	pending  []pending     // sequencer-only: this commit's records, reused
}

func (sh *shard) closed() bool { return sh.endPos.Load() != 0 }

// streamStats are monotonic counters for metrics.
type streamStats struct {
	recordsIn, bytesIn, recordsOut, bytesOut, corruptChunks atomic.Int64
	undeliveredDeleted                                      atomic.Int64
}

// Stats is a snapshot of a stream's counters and size.
type Stats struct {
	RecordsIn, BytesIn, RecordsOut, BytesOut int64
	CorruptChunks                            int64
	// UndeliveredDeleted counts the records a bound (max_bytes, the disk
	// reserve) deleted before a consumer the stream keeps records for had
	// read them, summed over those consumers, since the store opened.
	UndeliveredDeleted int64
	StorageBytes       int64
	Segments           int
}

// Name returns the stream's name.
func (s *Stream) Name() string { return s.name }

// Stats returns the stream's counters and storage use.
func (s *Stream) Stats() Stats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return Stats{
		RecordsIn: s.stats.recordsIn.Load(), BytesIn: s.stats.bytesIn.Load(),
		RecordsOut: s.stats.recordsOut.Load(), BytesOut: s.stats.bytesOut.Load(),
		CorruptChunks: s.stats.corruptChunks.Load(), UndeliveredDeleted: s.stats.undeliveredDeleted.Load(),
		StorageBytes: s.storageBytes(), Segments: len(s.segs),
	}
}

func (s *Stream) storageBytes() int64 {
	var n int64
	for _, g := range s.segs {
		n += g.size.Load()
	}
	return n
}

// errIfClosed is the error for using a closed or deleted stream. The caller
// holds s.mu.
func (s *Stream) errIfClosed() error {
	if s.closed {
		return fmt.Errorf("shards: stream %q: %w", s.name, ErrClosed)
	}
	return nil
}

// applyMeta installs a new shard map (after it is durable in the catalog).
// The caller is the writer.
func (s *Stream) applyMeta(m streamMeta) error {
	shards := make(map[int]*shard, len(m.Shards))
	var open []*shard
	for _, sm := range m.Shards {
		sh := s.shards[sm.Index]
		if sh == nil {
			start, err1 := ParseHashKey(sm.Start)
			end, err2 := ParseHashKey(sm.End)
			if err1 != nil || err2 != nil {
				return fmt.Errorf("%w: stream %q shard %d hash range", ErrCorrupt, m.Name, sm.Index)
			}
			sh = &shard{index: sm.Index, rng: HashRange{start, end}, startPos: sm.StartPos}
			// Records come strictly after the starting sequence number, so
			// a reader AFTER it misses nothing.
			sh.next = sm.StartPos
		}
		sh.endPos.Store(sm.EndPos)
		shards[sm.Index] = sh
		if sm.EndPos == 0 {
			open = append(open, sh)
		}
	}
	sort.Slice(open, func(i, j int) bool { return open[i].rng.Start.Cmp(open[j].rng.Start) < 0 })
	s.mu.Lock()
	s.meta, s.shards, s.open = m, shards, open
	s.mu.Unlock()
	s.wake()
	return nil
}

// route returns the open shard owning hash key h.
func (s *Stream) route(h HashKey) *shard {
	i := sort.Search(len(s.open), func(i int) bool { return s.open[i].rng.End.Cmp(h) >= 0 })
	return s.open[i]
}

// wake releases everyone blocked in Wait so they look again.
func (s *Stream) wake() {
	s.notifyMu.Lock()
	close(s.notify)
	s.notify = make(chan struct{})
	s.notifyMu.Unlock()
}

func (s *Stream) waitChan() chan struct{} {
	s.notifyMu.Lock()
	defer s.notifyMu.Unlock()
	return s.notify
}

// do runs fn on the writer goroutine and returns its error.
func (s *Stream) do(fn func() error) error {
	errc := make(chan error, 1)
	select {
	case s.ctrl <- func() { errc <- fn() }:
	case <-s.stopping:
		return fmt.Errorf("shards: stream %q: %w", s.name, ErrClosed)
	}
	select {
	case err := <-errc:
		return err
	case <-s.done:
		select {
		case err := <-errc:
			return err
		default:
			return fmt.Errorf("shards: stream %q: %w", s.name, ErrClosed)
		}
	}
}

// stop ends the writer after it has committed what is already queued.
func (s *Stream) stop() {
	s.stopOnce.Do(func() { close(s.stopping) })
	<-s.done
}

// closeFiles closes every segment once the readers inside it are done;
// the writer has stopped. Readers that come later get ErrClosed rather than
// reopening a file.
func (s *Stream) closeFiles() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	segs := s.segs
	s.mu.Unlock()
	var first error
	for _, g := range segs {
		g.release()
		<-g.gone
		if g.closeErr != nil && first == nil {
			first = g.closeErr
		}
	}
	return first
}

// release lets go of a segment, logging what its last holder could not do.
func (s *Stream) release(g *segment) {
	if err := g.release(); err != nil {
		s.log.Error("segment: close", "stream", s.name, "segment", g.path, "err", err)
	}
}
