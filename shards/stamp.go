package shards

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// A segment keeps the stamps of its first and last commits in a bucket of
// its own, written in the commit's transaction, so a power cut never
// separates them from the records:
//
//	"clock" → "first" | "last" → version (1) · flags (1) · monotonic ms (8) · wall ms (8) · boot id
//
// The bucket's name is not 4 bytes long, so nothing that walks the shard
// buckets sees it. Segments written before stamps existed have none and
// get an estimated one at open (estimateStamp).
var (
	bucketClock = []byte("clock")
	keyFirst    = []byte("first")
	keyLast     = []byte("last")
)

const (
	stampVersion     = 1
	stampSynced      = 1 << 0
	stampEstimated   = 1 << 1
	stampFixedLength = 18
)

func encodeStamp(s stamp) []byte {
	b := make([]byte, stampFixedLength, stampFixedLength+len(s.Boot))
	b[0] = stampVersion
	if s.Synced {
		b[1] |= stampSynced
	}
	if s.Estimated {
		b[1] |= stampEstimated
	}
	binary.BigEndian.PutUint64(b[2:10], uint64(s.Mono))
	binary.BigEndian.PutUint64(b[10:18], uint64(s.Wall))
	return append(b, s.Boot...)
}

func decodeStamp(b []byte) (stamp, error) {
	if len(b) < stampFixedLength || b[0] != stampVersion {
		return stamp{}, fmt.Errorf("%w: segment time stamp of %d bytes, version %d", ErrCorrupt, len(b), firstByte(b))
	}
	return stamp{
		Synced:    b[1]&stampSynced != 0,
		Estimated: b[1]&stampEstimated != 0,
		Mono:      int64(binary.BigEndian.Uint64(b[2:10])),
		Wall:      int64(binary.BigEndian.Uint64(b[10:18])),
		Boot:      string(b[stampFixedLength:]),
	}, nil
}

func firstByte(b []byte) int {
	if len(b) == 0 {
		return -1
	}
	return int(b[0])
}

// putStamps records a commit's stamp as the segment's last, and as its
// first when it has none.
func putStamps(tx *bolt.Tx, s stamp) error {
	b, err := tx.CreateBucketIfNotExists(bucketClock)
	if err != nil {
		return err
	}
	v := encodeStamp(s)
	if b.Get(keyFirst) == nil {
		if err := b.Put(keyFirst, v); err != nil {
			return err
		}
	}
	return b.Put(keyLast, v)
}

// readStamps returns a segment's stamps; ok is false when it has none (or
// damaged ones: they are estimated again, which can only make its data
// look younger).
func readStamps(tx *bolt.Tx) (first, last stamp, ok bool) {
	b := tx.Bucket(bucketClock)
	if b == nil {
		return stamp{}, stamp{}, false
	}
	first, err1 := decodeStamp(b.Get(keyFirst))
	last, err2 := decodeStamp(b.Get(keyLast))
	return first, last, err1 == nil && err2 == nil
}

// estimateStamp dates a segment that has no stamps (written by an earlier
// version, or rebuilt by salvage) from what the wall clock says: its
// newest record arrived (now - its arrival) ago when the wall clock is
// synchronized now and that is not negative; otherwise it counts as
// written now. From then on it ages on the monotonic clock like any other.
func estimateStamp(now stamp, lastMs int64) stamp {
	var ago int64
	if now.Synced && now.Wall > lastMs {
		ago = now.Wall - lastMs
	}
	return stamp{Boot: now.Boot, Mono: now.Mono - ago, Wall: now.Wall - ago, Synced: true, Estimated: true}
}
