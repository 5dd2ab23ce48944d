package shards

import (
	"fmt"
	"time"
)

// A request is one put call waiting for the writer.
type request struct {
	entries  []entry
	bytes    int
	reserved bool        // may use the disk's reserve (PutAllReserved)
	placed   []placement // set by the writer, turned into results by the caller
	err      error
	done     chan struct{}
}

// placement is where the writer put an entry.
type placement struct {
	shard int
	pos   uint64
}

// entry is a validated record with its hash key computed by the caller's
// goroutine, off the writer's path.
type entry struct {
	hash HashKey
	key  string
	data []byte
}

// maxCommitBytes bounds one group commit, so one fsync'd transaction stays
// a few MiB however many writers are queued.
const maxCommitBytes = 16 << 20

// A job is one group commit, sequenced and encoded, on its way to disk.
// The writer is a two-stage pipeline: the sequencer (run) gathers requests,
// assigns positions and encodes chunks for commit N+1 while the committer
// (commitLoop) fsyncs commit N. Positions of a failed commit are simply
// never used: positions need only increase, not be dense.
type job struct {
	seg     *segment
	chunks  []chunkWrite
	buf     []byte
	reqs    []*request
	lasts   []placement // per touched shard, its last position in this job
	records int64
	bytes   int64
	size    int64 // encoded bytes, counted against max_bytes while in flight
	stamp   stamp // the clocks when the job was sequenced
	barrier chan struct{}
}

// run is the stream's sequencer goroutine; it owns the stream's state.
func (s *Stream) run() {
	defer close(s.done)
	go s.commitLoop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	batch := make([]*request, 0, 64)
	for {
		select {
		case r := <-s.reqs:
			batch = s.gather(append(batch[:0], r))
			s.sequence(batch)
		case fn := <-s.ctrl:
			s.barrier()
			fn()
		case <-tick.C:
			s.maintain()
		case <-s.stopping:
			// Commit what is queued; later senders see done and fail.
			for {
				select {
				case r := <-s.reqs:
					batch = s.gather(append(batch[:0], r))
					s.sequence(batch)
					continue
				default:
				}
				close(s.jobs)
				<-s.committed
				return
			}
		}
	}
}

// barrier waits until every job sent so far is committed (or failed), so
// the caller sees durable state: resharding, retention and reconfiguration
// run only between commits.
func (s *Stream) barrier() {
	b := make(chan struct{})
	s.jobs <- &job{barrier: b}
	<-b
}

// gather takes every request already queued, up to maxCommitBytes: the
// requests that arrived while the last commit was fsyncing share this one.
func (s *Stream) gather(batch []*request) []*request {
	n := batch[0].bytes
	for n < maxCommitBytes {
		select {
		case r := <-s.reqs:
			batch = append(batch, r)
			n += r.bytes
		default:
			return batch
		}
	}
	return batch
}

// sequence assigns positions to a group of requests, encodes their chunks
// and hands them to the committer.
func (s *Stream) sequence(batch []*request) {
	s.admit(batch)
	j := &job{}
	for _, r := range batch {
		if r.err != nil {
			s.finish(r, r.err)
			continue
		}
		j.reqs = append(j.reqs, r)
	}
	if len(j.reqs) == 0 {
		return
	}
	now := s.store.clock.now()
	// The store's arrival clock, not the wall clock alone: a wall clock
	// stepped back must not make new records look older than old ones, in
	// this shard or any other.
	arrival := s.store.arrival.at(now)
	seg, err := s.activeSegment(now, arrival-now.Wall > stepThreshold.Milliseconds())
	if err != nil {
		err = s.spaceError(err) // a new segment file on a full disk
		for _, r := range j.reqs {
			s.finish(r, err)
		}
		return
	}
	j.seg, j.stamp = seg, now

	base := posAt(arrival)
	floor := posAt(s.meta.FloorMs + 1)
	touched := make([]*shard, 0, len(s.open))
	for _, r := range j.reqs {
		r.placed = make([]placement, len(r.entries))
		for i := range r.entries {
			e := &r.entries[i]
			sh := s.route(e.hash)
			pos := max(base, floor, sh.next+1)
			if len(sh.pending) == 0 {
				touched = append(touched, sh)
			}
			sh.next = pos
			sh.pending = append(sh.pending, pending{pos: pos, key: e.key, data: e.data})
			r.placed[i] = placement{sh.index, pos}
			j.records++
			j.bytes += int64(len(e.data))
		}
	}
	j.lasts = make([]placement, len(touched))
	var newest uint64
	for i, sh := range touched {
		j.lasts[i] = placement{sh.index, sh.next}
		newest = max(newest, sh.next)
	}
	s.store.arrival.note(posMillis(newest), now)
	j.buf = <-s.bufs
	j.chunks, j.buf = s.encode(touched, j.buf)
	j.size = int64(len(j.buf))
	for _, sh := range touched {
		clear(sh.pending) // drop the references to callers' data
		sh.pending = sh.pending[:0]
	}
	s.inflight.Add(j.size)
	s.jobs <- j
	if c := s.meta.Config; c.MaxBytes > 0 && c.OnFull == OverwriteOldest && s.storageBytes() > c.MaxBytes {
		s.trimToBytes()
	}
}

// commitLoop is the committer: it writes each job in one fsync'd bbolt
// transaction, in order, then publishes the new tips and answers.
func (s *Stream) commitLoop() {
	defer close(s.committed)
	for j := range s.jobs {
		if j.barrier != nil {
			close(j.barrier)
			continue
		}
		var err error
		if h := s.store.hooks.segmentWrite; h != nil {
			err = h(j.seg.path)
		}
		if err == nil {
			err = j.seg.write(j.chunks, j.stamp)
		}
		err = s.spaceError(err)
		if err == nil {
			j.seg.tail.Store(j.seg.tail.Load().withCommit(j.chunks, j.lasts, j.stamp))
			var lo, hi int64
			for _, c := range j.chunks {
				if m := posMillis(c.first); lo == 0 || m < lo {
					lo = m
				}
			}
			for _, l := range j.lasts {
				hi = max(hi, posMillis(l.pos))
			}
			// The segment's time range before the tips: a reader that sees
			// a tip picks segments by their ranges, and must not pass over
			// this one for a range that does not yet include the commit.
			if j.seg.firstMs.Load() == 0 {
				j.seg.firstMs.Store(lo)
			}
			j.seg.lastMs.Store(max(j.seg.lastMs.Load(), hi))
			for _, l := range j.lasts {
				s.shardByIndex(l.shard).last.Store(l.pos)
			}
			if h := s.store.hooks.tipsPublished; h != nil {
				h()
			}
			s.stats.recordsIn.Add(j.records)
			s.stats.bytesIn.Add(j.bytes)
			s.wake()
		}
		for _, r := range j.reqs {
			s.finish(r, err)
		}
		s.inflight.Add(-j.size)
		s.bufs <- j.buf[:0]
	}
}

// shardByIndex looks a shard up for the committer. The map changes only
// between commits (after a barrier), but readers of the map elsewhere hold
// mu, so the committer does too.
func (s *Stream) shardByIndex(idx int) *shard {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.shards[idx]
}

func (s *Stream) finish(r *request, err error) {
	if err != nil {
		r.placed = nil
	}
	r.err = err
	close(r.done)
}

// encode turns each touched shard's records into chunks of about
// chunkSize bytes, in shard order, into buf.
func (s *Stream) encode(touched []*shard, buf []byte) ([]chunkWrite, []byte) {
	type span struct {
		shard      int
		first      uint64
		start, end int
	}
	var spans []span
	for _, sh := range touched {
		recs := sh.pending
		for len(recs) > 0 {
			n, size := 0, chunkHeaderLen+chunkTrailer
			for prev := recs[0].pos; n < len(recs); n++ {
				l := encodedLen(&recs[n], prev)
				if n > 0 && size+l > chunkSize {
					break
				}
				size += l
				prev = recs[n].pos
			}
			start := len(buf)
			buf = appendChunk(buf, sh.index, recs[:n])
			spans = append(spans, span{sh.index, recs[0].pos, start, len(buf)})
			recs = recs[n:]
		}
	}
	out := make([]chunkWrite, len(spans))
	for i, sp := range spans {
		out[i] = chunkWrite{shard: sp.shard, first: sp.first, data: buf[sp.start:sp.end]}
	}
	return out, buf
}

// admit enforces the byte limit of a reject_new stream and the disk's
// reserve: requests that do not fit get ErrStreamFull or ErrDiskFull (set
// on the request), the others go ahead. Bytes still in flight count as
// used.
func (s *Stream) admit(batch []*request) {
	c := s.meta.Config
	limited := c.MaxBytes > 0 && c.OnFull == RejectNew
	var used int64
	if limited {
		used = s.storageBytes() + s.inflight.Load()
	}
	for _, r := range batch {
		if limited && used+int64(r.bytes) > c.MaxBytes {
			s.expire() // age retention may free whole segments
			used = s.storageBytes() + s.inflight.Load()
		}
		if limited && used+int64(r.bytes) > c.MaxBytes {
			r.err = fmt.Errorf("shards: stream %q holds %d of max %d bytes (on_full: reject_new): %w",
				s.name, used, c.MaxBytes, ErrStreamFull)
			continue
		}
		if r.err = s.admitSpace(r); r.err != nil {
			continue
		}
		used += int64(r.bytes)
	}
}

// activeSegment returns the segment to write, rolling to a new one when
// the current one is full, spans too long, or was written by other clocks:
// another boot, a wall clock stepped since or synchronized since, or
// positions that stood ahead of the wall clock (ahead: after a step back)
// and no longer do, or the reverse. So within a segment the wall clock ran
// with the monotonic one, which is what lets its records' ages and arrival
// times be told from its stamps (visibility.go).
func (s *Stream) activeSegment(now stamp, ahead bool) (*segment, error) {
	maxBytes, span := s.meta.Config.segmentLimits(s.store.segmentCap)
	nowMs := now.Wall
	if n := len(s.segs); n > 0 {
		g := s.segs[n-1]
		if g.db != nil && g.size.Load() < maxBytes && s.sameClocks(g, now, ahead, span) {
			return g, nil
		}
	}
	id := uint64(max(nowMs, 1))
	if n := len(s.segs); n > 0 && s.segs[n-1].id >= id {
		id = s.segs[n-1].id + 1
	}
	g, err := createSegment(s.dir, id, int(maxBytes)+(8<<20))
	if err != nil {
		return nil, err
	}
	if err := syncDir(s.dir); err != nil {
		g.release()
		return nil, fmt.Errorf("shards: stream %q: %w", s.name, err)
	}
	s.mu.Lock()
	s.segs = append(s.segs, g)
	s.mu.Unlock()
	return g, nil
}

// sameClocks reports whether a commit at now may go to segment g: g is
// empty, or its first commit is less than span ago on the monotonic clock
// and its last was taken in this boot, with the wall clock as synchronized
// as now and not stepped since.
func (s *Stream) sameClocks(g *segment, now stamp, ahead bool, span time.Duration) bool {
	t := g.tail.Load()
	if t == nil {
		return true
	}
	c := s.store.clock
	return c.lived(now)-c.lived(t.first) < span.Milliseconds() &&
		t.last.Boot == now.Boot && t.last.Synced == now.Synced && t.ahead() == ahead &&
		abs64(now.offset()-t.last.offset()) <= stepThreshold.Milliseconds()
}
