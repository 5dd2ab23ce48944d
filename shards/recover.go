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
	s := &segment{id: id, path: segmentPath(dir, id)}
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
	db.AllocSize = 4 << 20
	s.db = db
	var cut map[int][][]byte
	err = db.View(func(tx *bolt.Tx) error {
		if tx.Size() > fi.Size() {
			return fmt.Errorf("%w: file truncated to %d of %d bytes", ErrCorrupt, fi.Size(), tx.Size())
		}
		if !verify {
			return nil
		}
		cut = map[int][][]byte{}
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if len(name) != 4 {
				return nil
			}
			shard := int(binary.BigEndian.Uint32(name))
			if keys := damagedTail(shard, b); len(keys) > 0 {
				cut[shard] = keys
			}
			return nil
		})
	})
	if err != nil || len(cut) == 0 {
		return err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for shard, keys := range cut {
			b := tx.Bucket(shardBucket(shard))
			for _, k := range keys {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("shards: cut damaged tail of %s: %w", s.path, err)
	}
	for shard, keys := range cut {
		*damage = append(*damage, Damage{Segment: s.path, Shard: shard, Chunks: len(keys),
			Reason: "chunk failed its checksum or order check: tail cut off"})
	}
	return nil
}

// damagedTail verifies every chunk of a shard bucket in order and returns
// the keys from the first bad chunk to the end (copied: they outlive the tx).
func damagedTail(shard int, b *bolt.Bucket) [][]byte {
	var keys [][]byte
	var prevLast uint64
	bad := false
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if !bad {
			h, err := walkChunk(v, nil)
			bad = err != nil || len(k) != 8 || int(h.shard) != shard ||
				binary.BigEndian.Uint64(k) != h.first || (prevLast != 0 && h.first <= prevLast)
			prevLast = h.last
		}
		if bad {
			keys = append(keys, append([]byte(nil), k...))
		}
	}
	return keys
}
