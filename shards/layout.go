package shards

import (
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
)

// Inside a segment, each shard's bucket holds one nested bucket per commit
// (a "run"), keyed by the position of its first record, and the run holds
// that commit's chunks keyed by their first positions:
//
//	shard bucket (4-byte index) → run (8-byte position) → chunk (8-byte position) → bytes
//
// Why runs: bbolt rewrites the last leaf of a bucket on every append, with
// at least two values in it. Were chunks appended to one bucket per shard,
// every commit would write the previous commit's last chunks again. A run
// is a fresh bucket, so a commit writes only its own chunks plus a small
// leaf of run headers, and its chunks can be large (few pages runs, few
// write calls).

func posKey(pos uint64) []byte { return binary.BigEndian.AppendUint64(nil, pos) }

func keyPos(k []byte) uint64 { return binary.BigEndian.Uint64(k) }

// putRun stores one commit's chunks of one shard as a new run.
func putRun(tx *bolt.Tx, shard int, chunks []chunkWrite) error {
	sb, err := tx.CreateBucketIfNotExists(shardBucket(shard))
	if err != nil {
		return err
	}
	sb.FillPercent = 1.0 // keys only ever append
	run, err := sb.CreateBucket(posKey(chunks[0].first))
	if err != nil {
		return err
	}
	run.FillPercent = 1.0
	var key [8]byte
	for _, c := range chunks {
		binary.BigEndian.PutUint64(key[:], c.first)
		if err := run.Put(key[:], c.data); err != nil {
			return err
		}
	}
	return nil
}

// chunkCursor walks the chunks of one shard bucket, across its runs, in
// position order.
type chunkCursor struct {
	shard *bolt.Bucket
	runs  *bolt.Cursor
	run   []byte       // key of the current run
	c     *bolt.Cursor // over the current run's chunks; nil before the first
}

func newChunkCursor(b *bolt.Bucket) *chunkCursor { return &chunkCursor{shard: b, runs: b.Cursor()} }

// enter makes the run at key k current; false if it is not a run.
func (cc *chunkCursor) enter(k []byte) bool {
	if k == nil {
		return false
	}
	rb := cc.shard.Bucket(k)
	if rb == nil {
		return false
	}
	cc.run, cc.c = k, rb.Cursor()
	return true
}

// First returns the first chunk of the shard.
func (cc *chunkCursor) First() (k, v []byte) {
	for rk, _ := cc.runs.First(); rk != nil; rk, _ = cc.runs.Next() {
		if cc.enter(rk) {
			if k, v = cc.c.First(); k != nil {
				return k, v
			}
		}
	}
	return nil, nil
}

// Last returns the last chunk of the shard.
func (cc *chunkCursor) Last() (k, v []byte) {
	for rk, _ := cc.runs.Last(); rk != nil; rk, _ = cc.runs.Prev() {
		if cc.enter(rk) {
			if k, v = cc.c.Last(); k != nil {
				return k, v
			}
		}
	}
	return nil, nil
}

// Next returns the chunk after the current one, moving to the next run at
// the end of one.
func (cc *chunkCursor) Next() (k, v []byte) {
	if cc.c != nil {
		if k, v = cc.c.Next(); k != nil {
			return k, v
		}
	}
	for rk, _ := cc.runs.Next(); rk != nil; rk, _ = cc.runs.Next() {
		if cc.enter(rk) {
			if k, v = cc.c.First(); k != nil {
				return k, v
			}
		}
	}
	return nil, nil
}

// Seek returns the chunk that can hold pos: the last one keyed at or before
// it, or the first chunk when pos precedes them all.
func (cc *chunkCursor) Seek(pos uint64) (k, v []byte) {
	rk, _ := seekAtOrBefore(cc.runs, pos)
	if !cc.enter(rk) {
		return cc.First()
	}
	if k, v = seekAtOrBefore(cc.c, pos); k == nil {
		return cc.Next()
	}
	return k, v
}

// seekAtOrBefore moves c to the last key ≤ pos, or the first key, and
// returns it (nil for an empty bucket).
func seekAtOrBefore(c *bolt.Cursor, pos uint64) (k, v []byte) {
	k, v = c.Seek(posKey(pos))
	switch {
	case k == nil:
		k, v = c.Last()
	case keyPos(k) > pos:
		if pk, pv := c.Prev(); pk != nil {
			k, v = pk, pv
		} else {
			k, v = c.First()
		}
	}
	return k, v
}
