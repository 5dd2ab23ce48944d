package shards

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"time"
	"unsafe"

	bolt "go.etcd.io/bbolt"
)

// IteratorType is where a reader starts in a shard, as in GetShardIterator.
type IteratorType string

const (
	TrimHorizon         IteratorType = "TRIM_HORIZON"
	Latest              IteratorType = "LATEST"
	AtSequenceNumber    IteratorType = "AT_SEQUENCE_NUMBER"
	AfterSequenceNumber IteratorType = "AFTER_SEQUENCE_NUMBER"
	AtTimestamp         IteratorType = "AT_TIMESTAMP"
)

// Cursor is a reader's position in one shard: the next position to read.
// It is plain data, so the API layer can sign and hand it out as an opaque
// shard iterator.
type Cursor struct {
	StreamID int64
	Shard    int
	Pos      uint64
}

// ShardID returns the id of the shard the cursor reads.
func (c Cursor) ShardID() string { return ShardID(c.Shard) }

// PrecedingSequenceNumber is the sequence number just before the cursor:
// a reader resuming AFTER_SEQUENCE_NUMBER it continues at the cursor (what
// SubscribeToShard reports as ContinuationSequenceNumber).
func (c Cursor) PrecedingSequenceNumber() string {
	return formatSeq(c.StreamID, c.Shard, max(c.Pos, 1)-1)
}

// Record is a stored record as a reader sees it.
type Record struct {
	PartitionKey string
	Data         []byte
	// ArrivalTime is when the record arrived; Clock says how far to
	// trust it (see docs/shards.md, "Time").
	ArrivalTime time.Time
	Clock       ClockState
	streamID    int64
	shard       int
	pos         uint64
}

// SequenceNumber returns the record's Kinesis-shaped sequence number.
func (r *Record) SequenceNumber() string { return formatSeq(r.streamID, r.shard, r.pos) }

// ReadResult is one read's records and where to go next.
type ReadResult struct {
	Records []Record
	// Next continues after the last record returned. When Closed is set
	// the shard was split or merged and has been read to its end: follow
	// ChildShards instead.
	Next               Cursor
	Closed             bool
	ChildShards        []ShardInfo
	MillisBehindLatest int64
}

// Iterator returns a cursor into a shard. seq is used by the sequence
// number types, ts by AT_TIMESTAMP.
func (s *Stream) Iterator(shardID string, typ IteratorType, seq string, ts time.Time) (Cursor, error) {
	idx, err := ParseShardID(shardID)
	if err != nil {
		return Cursor{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.errIfClosed(); err != nil {
		return Cursor{}, err
	}
	sh, ok := s.shards[idx]
	if !ok {
		return Cursor{}, fmt.Errorf("%w: shard %s in stream %q", ErrNotFound, shardID, s.name)
	}
	c := Cursor{StreamID: s.meta.ID, Shard: idx}
	switch typ {
	case TrimHorizon:
		c.Pos = 0
	case Latest:
		if end := sh.endPos.Load(); end != 0 {
			c.Pos = end + 1
		} else {
			c.Pos = max(sh.last.Load(), sh.startPos) + 1
		}
	case AtSequenceNumber, AfterSequenceNumber:
		id, sidx, pos, err := parseSeq(seq)
		if err != nil {
			return Cursor{}, err
		}
		if id != s.meta.ID || sidx != idx {
			return Cursor{}, fmt.Errorf("%w: sequence number %s is not from shard %s of stream %q", ErrInvalidArgument, seq, shardID, s.name)
		}
		c.Pos = pos
		if typ == AfterSequenceNumber {
			c.Pos++
		}
	case AtTimestamp:
		if ts.IsZero() {
			return Cursor{}, fmt.Errorf("%w: AT_TIMESTAMP needs a timestamp", ErrInvalidArgument)
		}
		c.Pos = s.seekTime(ts.UnixMilli())
	default:
		return Cursor{}, fmt.Errorf("%w: iterator type %q", ErrInvalidArgument, typ)
	}
	return c, nil
}

// Read returns up to limit records (at most 10,000 and 10 MiB) from the
// cursor's position. It never blocks for new records: see Wait.
func (s *Stream) Read(c Cursor, limit int) (ReadResult, error) {
	res, _, err := s.read(c, limit)
	return res, err
}

// read is Read that also tells whether it stopped at a limit (records or
// bytes) rather than at the shard's tip: a reader that wants everything up
// to now reads again only then.
func (s *Stream) read(c Cursor, limit int) (_ ReadResult, full bool, _ error) {
	if limit <= 0 || limit > MaxRecordsPerRead {
		return ReadResult{}, false, fmt.Errorf("%w: read limit %d must be 1-%d", ErrInvalidArgument, limit, MaxRecordsPerRead)
	}
	v, err := s.viewAt(c)
	if err != nil {
		return ReadResult{}, false, err
	}
	defer s.releaseAll(v.segs)
	end, tip, from := v.end, v.tip, v.from
	res := ReadResult{Next: c}
	if from <= tip {
		rd := reader{shard: c.Shard, streamID: c.StreamID, from: from, to: tip, limit: limit}
		if err := s.readSegments(v.segs, &rd); err != nil {
			return ReadResult{}, false, err
		}
		res.Records = rd.out
		full = rd.full
		if n := len(rd.out); n > 0 && rd.full {
			res.Next.Pos = rd.out[n-1].pos + 1
			res.MillisBehindLatest = max(posMillis(tip)-posMillis(rd.out[n-1].pos), 0)
		} else {
			res.Next.Pos = tip + 1
		}
		s.stats.recordsOut.Add(int64(len(rd.out)))
		s.stats.bytesOut.Add(int64(rd.bytes))
	} else {
		res.Next.Pos = max(c.Pos, from)
	}
	// A closed shard read to its tip is read to its end, even if its last
	// positions (or all of them) never held a record.
	if end != 0 && !full {
		res.Next.Pos = max(res.Next.Pos, end+1)
	}
	if end != 0 && res.Next.Pos > end {
		res.Closed = true
		res.ChildShards = s.children(c.Shard)
	}
	return res, full, nil
}

// Wait blocks until the cursor's shard has a record at or after the cursor,
// the shard is closed, ctx ends, or the stream closes. It is how a reader
// follows a stream without polling.
func (s *Stream) Wait(ctx context.Context, c Cursor) error {
	for {
		ch := s.waitChan()
		s.mu.RLock()
		sh, ok := s.shards[c.Shard]
		s.mu.RUnlock()
		if !ok {
			return fmt.Errorf("%w: shard %s in stream %q", ErrNotFound, ShardID(c.Shard), s.name)
		}
		if sh.last.Load() >= c.Pos || sh.closed() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.done:
			return fmt.Errorf("shards: stream %q: %w", s.name, ErrClosed)
		}
	}
}

// ReadWait is Wait then Read: it returns as soon as there is something to
// return.
func (s *Stream) ReadWait(ctx context.Context, c Cursor, limit int) (ReadResult, error) {
	if err := s.Wait(ctx, c); err != nil {
		return ReadResult{}, err
	}
	return s.Read(c, limit)
}

// reader collects records of one shard in [from, to].
type reader struct {
	shard    int
	streamID int64
	from, to uint64
	limit    int
	out      []Record
	bytes    int
	full     bool // stopped by a limit, not by reaching to
	arena    []byte
	arrival  timeline   // of the segment being read
	clock    ClockState // of the segment being read
}

// view is what a read needs of the stream, taken under s.mu so that the
// read itself (bbolt transactions, opening sealed files) runs without it:
// were the lock held through them, a segment roll would wait behind a slow
// reader, and every put behind the roll.
type view struct {
	end, tip uint64 // the shard's end (0 while open) and last durable position
	from     uint64 // the cursor, or the retention cutoff when that is later
	// segs are the segments that can hold [from, tip], each with a
	// reference taken for the reader: releaseAll them when done.
	segs []*segment
}

// viewAt takes the view for a read at c.
func (s *Stream) viewAt(c Cursor) (view, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.errIfClosed(); err != nil {
		return view{}, err
	}
	if c.StreamID != s.meta.ID {
		return view{}, fmt.Errorf("%w: cursor is from another incarnation of stream %q", ErrInvalidArgument, s.name)
	}
	sh, ok := s.shards[c.Shard]
	if !ok {
		return view{}, fmt.Errorf("%w: shard %s in stream %q", ErrNotFound, ShardID(c.Shard), s.name)
	}
	// The end first, then the tip: a shard is closed only after every
	// commit before it published its tip (the writer's barrier), so an end
	// seen here comes with its final tip. Loaded the other way round, a
	// split landing between the two loads would make this read claim the
	// end while skipping the records committed just before it.
	v := view{end: sh.endPos.Load(), tip: sh.last.Load()}
	v.from = max(c.Pos, s.horizon())
	if v.from <= v.tip {
		v.segs = s.acquireFrom(posMillis(v.from))
	}
	return v, nil
}

// acquireFrom takes a reference on every segment that can hold records
// that arrived at or after fromMs, and returns them in order. The caller
// holds s.mu, under which it also loaded the tip it reads to: a segment
// joins the list (under mu) before any commit writes to it, and a tip is
// published after its commit, so every record up to that tip is in them.
func (s *Stream) acquireFrom(fromMs int64) []*segment {
	// Only the newest segment can be empty (lastMs 0: just rolled to, or
	// left so by a crash); it sorts last.
	i := sort.Search(len(s.segs), func(i int) bool {
		last := s.segs[i].lastMs.Load()
		return last >= fromMs || last == 0
	})
	segs := append([]*segment(nil), s.segs[i:]...)
	for _, g := range segs {
		g.acquire()
	}
	return segs
}

func (s *Stream) releaseAll(segs []*segment) {
	for _, g := range segs {
		s.release(g)
	}
}

// readSegments reads [from, to] from segs, which hold a reference each.
func (s *Stream) readSegments(segs []*segment, rd *reader) error {
	for _, g := range segs {
		if rd.full {
			break
		}
		db, err := g.handle()
		if err != nil {
			return err
		}
		rd.arrival, rd.clock = s.arrivalOf(g)
		err = guard("read "+g.path, func() error {
			return db.View(func(tx *bolt.Tx) error {
				if h := s.store.hooks.inSegmentRead; h != nil {
					h(g.path)
				}
				return s.readBucket(rd, tx.Bucket(shardBucket(rd.shard)))
			})
		})
		if err != nil {
			return fmt.Errorf("shards: stream %q: %w", s.name, err)
		}
		if rd.from > rd.to {
			break
		}
	}
	return nil
}

func (s *Stream) readBucket(rd *reader, b *bolt.Bucket) error {
	if b == nil {
		return nil
	}
	c := newChunkCursor(b)
	k, v := c.Seek(rd.from)
	for ; k != nil; k, v = c.Next() {
		if binary.BigEndian.Uint64(k) > rd.to {
			rd.from = rd.to + 1
			return nil
		}
		rd.reserve(v)
		_, err := walkChunk(v, func(r chunkRecord) bool {
			if r.pos < rd.from {
				return true
			}
			if r.pos > rd.to {
				return false
			}
			if len(rd.out) == rd.limit || (len(rd.out) > 0 && rd.bytes+len(r.data) > MaxBytesPerRead) {
				rd.full = true
				return false
			}
			rd.add(r)
			return true
		})
		if err != nil {
			// The data in this chunk is lost; skip it so readers go on.
			s.stats.corruptChunks.Add(1)
			s.log.Error("read: skipping damaged chunk", "stream", s.name, "shard", rd.shard, "key", binary.BigEndian.Uint64(k), "err", err)
		}
		if rd.full {
			return nil
		}
		if n := len(rd.out); n > 0 {
			rd.from = rd.out[n-1].pos + 1
		}
	}
	return nil
}

// maxArena bounds the arenas records are copied into.
const maxArena = 256 << 10

// reserve makes room, before a chunk is walked, for as many records and
// bytes as it holds (its length bounds its records' keys and data). Sized
// by what is read, not fixed: a follower's read returns the few records of
// one commit, and a fixed 256 KiB arena per read made every follower of a
// busy stream allocate, and the garbage collector every put paid for clear,
// far more than it read.
func (rd *reader) reserve(chunk []byte) {
	if len(chunk) >= chunkHeaderLen {
		// Doubling: a read of many chunks copies its records a few times,
		// not once per chunk.
		n := min(int(binary.BigEndian.Uint32(chunk[12:16])), rd.limit-len(rd.out))
		if need := len(rd.out) + n; need > cap(rd.out) {
			rd.out = slices.Grow(rd.out, min(max(need, 2*cap(rd.out)), rd.limit)-len(rd.out))
		}
	}
	if cap(rd.arena)-len(rd.arena) < len(chunk) {
		rd.arena = make([]byte, 0, max(len(chunk), min(2*cap(rd.arena), maxArena)))
	}
}

// add copies a record out of the mapped file into the reader's arena.
func (rd *reader) add(r chunkRecord) {
	off := len(rd.arena) // reserve made room: the appends do not move the arena
	rd.arena = append(rd.arena, r.key...)
	rd.arena = append(rd.arena, r.data...)
	buf := rd.arena[off:len(rd.arena):len(rd.arena)]
	rd.out = append(rd.out, Record{
		PartitionKey: unsafe.String(unsafe.SliceData(buf), len(r.key)), // the arena is never written again
		Data:         buf[len(r.key):],
		ArrivalTime:  time.UnixMilli(rd.arrival.at(r.pos)),
		Clock:        rd.clock,
		streamID:     rd.streamID,
		shard:        rd.shard,
		pos:          r.pos,
	})
	rd.bytes += len(r.data)
}
