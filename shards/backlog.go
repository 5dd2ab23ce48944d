package shards

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Changed returns a channel that is closed at the stream's next change: a
// commit, a reshard, or the stream closing. A reader following several
// shards takes it, reads each shard without blocking, and waits on it when
// none had anything: no goroutine per shard, no polling.
func (s *Stream) Changed() <-chan struct{} { return s.waitChan() }

// Backlog counts the records from the cursor to the shard's tip and their
// bytes (partition keys and data), what a consumer still has to read, and
// tells when the oldest of them arrived (zero when there are none). It reads
// chunk headers only, except in the chunk the cursor points into, so it
// stays cheap for a backlog of millions, and it reads no record: a status
// page asking does not count as a reader.
func (s *Stream) Backlog(c Cursor) (records, bytes int64, oldest time.Time, err error) {
	v, err := s.viewAt(c)
	if err != nil {
		return 0, 0, time.Time{}, err
	}
	defer s.releaseAll(v.segs)
	from, tip := v.from, v.tip
	var first uint64 // the oldest position counted; 0: none
	for _, g := range v.segs {
		counted := first != 0
		db, err := g.handle()
		if err != nil {
			return 0, 0, time.Time{}, err
		}
		err = guard("backlog "+g.path, func() error {
			return db.View(func(tx *bolt.Tx) error {
				r, b, f := countBucket(tx.Bucket(shardBucket(c.Shard)), from, tip)
				records += r
				bytes += b
				if f != 0 && (first == 0 || f < first) {
					first = f
				}
				return nil
			})
		})
		if err != nil {
			return 0, 0, time.Time{}, fmt.Errorf("shards: stream %q: %w", s.name, err)
		}
		if !counted && first != 0 { // the oldest is in this segment: its arrival time, as a reader sees it
			tl, _ := s.arrivalOf(g)
			oldest = time.UnixMilli(tl.at(first))
		}
	}
	return records, bytes, oldest, nil
}

// countBucket counts the records of [from, to] in one segment's shard
// bucket. A chunk wholly inside is counted from its header (its bytes are
// the encoded body, within a byte or two per record of keys plus data),
// without checking it: a damaged chunk, which readers skip, is counted
// until a reader meets it.
func countBucket(b *bolt.Bucket, from, to uint64) (records, bytes int64, first uint64) {
	if b == nil {
		return 0, 0, 0
	}
	c := newChunkCursor(b)
	k, v := c.Seek(from)
	for ; k != nil; k, v = c.Next() {
		if binary.BigEndian.Uint64(k) > to {
			break
		}
		// The header's fields only: checking the chunk's checksum here
		// would read every byte of the backlog for a status line.
		if len(v) < chunkHeaderLen+chunkTrailer || string(v[:4]) != chunkMagic {
			continue
		}
		h := chunkHeader{count: binary.BigEndian.Uint32(v[12:16]), first: binary.BigEndian.Uint64(v[16:24]), last: binary.BigEndian.Uint64(v[24:32])}
		if h.first >= from && h.last <= to {
			if first == 0 {
				first = h.first
			}
			records += int64(h.count)
			bytes += int64(len(v) - chunkHeaderLen - chunkTrailer - int(h.count)*2)
			continue
		}
		_, _ = walkChunk(v, func(r chunkRecord) bool {
			if r.pos > to {
				return false
			}
			if r.pos >= from {
				if first == 0 {
					first = r.pos
				}
				records++
				bytes += int64(len(r.key) + len(r.data))
			}
			return true
		})
	}
	return records, bytes, first
}
