package shards

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"
)

// Damage reports data cut off or rebuilt when a segment was opened: what a
// power cut on an SD card can leave behind.
type Damage struct {
	Stream  string `json:"stream"`
	Segment string `json:"segment"`
	Shard   int    `json:"shard"` // -1: the whole file
	Chunks  int    `json:"chunks_dropped"`
	Reason  string `json:"reason"`
}

// openSegment opens an existing segment file and checks it. Every segment
// must open as bbolt and fit its file; the newest one, the only one being
// written when the power went, has every chunk verified and a damaged tail
// cut off. A file bbolt cannot read is rebuilt from the chunks its raw
// bytes still hold. The segment is left open only when it is the newest.
//
// A file of 0 bytes is one a crash left between its creation and its
// first commit: it never held a record, so it is removed and nil returned.
func openSegment(dir string, id uint64, newest bool, mmap int) (*segment, map[int]shardRange, []Damage, error) {
	s := newSegment(dir, id)
	if fi, err := os.Stat(s.path); err == nil && fi.Size() == 0 {
		return nil, nil, nil, os.Remove(s.path)
	}
	var damage []Damage
	err := guard("open "+s.path, func() error { return s.openChecked(newest, mmap, &damage) })
	if err != nil {
		s.close()
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, bolt.ErrInvalid) && !errors.Is(err, bolt.ErrChecksum) &&
			!errors.Is(err, bolt.ErrVersionMismatch) {
			return nil, nil, nil, err
		}
		d, serr := salvage(s.path, err)
		if serr != nil {
			return nil, nil, nil, serr
		}
		damage = append(damage, d)
		if err := guard("reopen "+s.path, func() error { return s.openChecked(newest, mmap, &damage) }); err != nil {
			s.close()
			return nil, nil, nil, fmt.Errorf("shards: segment %s still unreadable after salvage: %w", s.path, err)
		}
	}
	var ranges map[int]shardRange
	err = guard("scan "+s.path, func() (err error) { ranges, err = s.scan(); return err })
	if !newest {
		s.close()
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return s, ranges, damage, nil
}

func (s *segment) openChecked(verify bool, mmap int, damage *[]Damage) error {
	fi, err := os.Stat(s.path)
	if err != nil {
		return err
	}
	if fi.Size() < 4*int64(os.Getpagesize()) {
		return fmt.Errorf("%w: %d bytes is too short for a segment", ErrCorrupt, fi.Size())
	}
	db, err := bolt.Open(s.path, 0o600, boltOptions(mmap))
	if err != nil {
		return err
	}
	db.AllocSize = 16 << 20
	s.db = db
	var cut map[int][]chunkRef
	err = db.View(func(tx *bolt.Tx) error {
		if tx.Size() > fi.Size() {
			return fmt.Errorf("%w: file truncated to %d of %d bytes", ErrCorrupt, fi.Size(), tx.Size())
		}
		if !verify {
			return nil
		}
		cut = map[int][]chunkRef{}
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if len(name) != 4 {
				return nil
			}
			shard := int(binary.BigEndian.Uint32(name))
			if refs := damagedTail(shard, b); len(refs) > 0 {
				cut[shard] = refs
			}
			return nil
		})
	})
	if err != nil || len(cut) == 0 {
		return err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for shard, refs := range cut {
			if err := deleteChunks(tx.Bucket(shardBucket(shard)), refs); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("shards: cut damaged tail of %s: %w", s.path, err)
	}
	for shard, refs := range cut {
		*damage = append(*damage, Damage{Segment: s.path, Shard: shard, Chunks: len(refs),
			Reason: "chunk failed its checksum or order check: tail cut off"})
	}
	return nil
}

// chunkRef names a chunk within a shard bucket: its run and its key.
type chunkRef struct{ run, key []byte }

// damagedTail verifies every chunk of a shard bucket in order and returns
// the chunks from the first bad one to the end (keys copied: they outlive
// the transaction).
func damagedTail(shard int, b *bolt.Bucket) []chunkRef {
	var refs []chunkRef
	var prevLast uint64
	bad := false
	c := newChunkCursor(b)
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if !bad {
			h, err := walkChunk(v, nil)
			bad = err != nil || len(k) != 8 || int(h.shard) != shard ||
				keyPos(k) != h.first || (prevLast != 0 && h.first <= prevLast)
			prevLast = h.last
		}
		if bad {
			refs = append(refs, chunkRef{append([]byte(nil), c.run...), append([]byte(nil), k...)})
		}
	}
	return refs
}

// deleteChunks deletes chunks, and the runs they leave empty.
func deleteChunks(b *bolt.Bucket, refs []chunkRef) error {
	for _, r := range refs {
		if err := b.Bucket(r.run).Delete(r.key); err != nil {
			return err
		}
	}
	for _, r := range refs {
		if rb := b.Bucket(r.run); rb != nil {
			if k, _ := rb.Cursor().First(); k == nil {
				if err := b.DeleteBucket(r.run); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
