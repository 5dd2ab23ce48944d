package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"
)

// BoltResult is what bbolt sustains on the disk with every transaction
// synced.
type BoltResult struct {
	Bytes    int64         `json:"bytes"`
	Elapsed  time.Duration `json:"elapsed_ns"`
	MBPerSec float64       `json:"mb_per_sec"` // MB = 1e6 bytes
	// RecordsPerSec restates the byte rate in records of the recordSize
	// passed to BoltBaseline, so it lines up with the engine's record rate.
	RecordsPerSec float64 `json:"records_per_sec"`
}

const (
	// boltValueSize is large enough that per-key B+tree overhead is noise,
	// so the baseline shows bbolt's best case, not its per-record cost.
	boltValueSize = 64 << 10
	// boltValuesPerTx makes each transaction about chunkSize, matching the
	// one-sync-per-MiB pace of DiskBaseline.
	boltValuesPerTx = chunkSize / boltValueSize
)

var boltBucket = []byte("baseline")

// BoltBaseline measures bbolt at its best with no engine around it: a fresh
// database in dir receives total bytes of random data as 64 KiB values under
// sequential 8-byte big-endian keys, 16 values per synced transaction. The
// database is removed afterwards.
//
// bbolt runs with its durable defaults (never NoSync) plus the two settings
// a well-tuned deployment would choose: the hashmap freelist, which avoids
// the array freelist's linear scans, and NoFreelistSync, which stops every
// commit from also writing the freelist (it is rebuilt on open instead).
//
// If ctx is done first, it returns the figures for what was written so far
// together with ctx's error.
func BoltBaseline(ctx context.Context, dir string, total int64, recordSize int) (res BoltResult, err error) {
	if total <= 0 {
		return BoltResult{}, fmt.Errorf("bench: bolt: total %d: %w", total, ErrInvalidSize)
	}
	if recordSize <= 0 {
		return BoltResult{}, fmt.Errorf("bench: bolt: record size %d: %w", recordSize, ErrInvalidSize)
	}
	tmp, err := os.MkdirTemp(dir, "tidegate-bolt-*")
	if err != nil {
		return BoltResult{}, fmt.Errorf("bench: bolt: %w", err)
	}
	defer func() {
		if rerr := os.RemoveAll(tmp); rerr != nil && err == nil {
			err = fmt.Errorf("bench: bolt: remove temp dir: %w", rerr)
		}
	}()

	db, err := bbolt.Open(filepath.Join(tmp, "baseline.db"), 0o600, &bbolt.Options{
		FreelistType:   bbolt.FreelistMapType,
		NoFreelistSync: true,
	})
	if err != nil {
		return BoltResult{}, fmt.Errorf("bench: bolt: open: %w", err)
	}
	defer func() {
		if cerr := db.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("bench: bolt: close: %w", cerr)
		}
	}()
	err = db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucket(boltBucket)
		return err
	})
	if err != nil {
		return BoltResult{}, fmt.Errorf("bench: bolt: create bucket: %w", err)
	}

	defer func() {
		res.MBPerSec = mbPerSec(res.Bytes, res.Elapsed)
		if s := res.Elapsed.Seconds(); s > 0 {
			res.RecordsPerSec = float64(res.Bytes) / float64(recordSize) / s
		}
	}()

	src := newPayload()
	buf := make([]byte, boltValuesPerTx*boltValueSize)
	var seq uint64
	for res.Bytes < total {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("bench: bolt: stopped after %d bytes: %w", res.Bytes, err)
		}
		batch := buf[:min(int64(len(buf)), total-res.Bytes)]
		src.fill(batch)

		start := time.Now()
		err := db.Update(func(tx *bbolt.Tx) error {
			return putValues(tx.Bucket(boltBucket), &seq, batch)
		})
		if err != nil {
			return res, fmt.Errorf("bench: bolt: commit: %w", err)
		}
		res.Elapsed += time.Since(start)
		res.Bytes += int64(len(batch))
	}
	return res, nil
}

// putValues splits batch into boltValueSize values under keys seq, seq+1, …
// and advances seq past them.
func putValues(b *bbolt.Bucket, seq *uint64, batch []byte) error {
	// FillPercent is not persisted, so it is set in every transaction. Keys
	// only ever append, so pages never need room for a later insert.
	b.FillPercent = 1.0
	var key [8]byte
	for off := 0; off < len(batch); off += boltValueSize {
		binary.BigEndian.PutUint64(key[:], *seq)
		if err := b.Put(key[:], batch[off:min(off+boltValueSize, len(batch))]); err != nil {
			return fmt.Errorf("put key %d: %w", *seq, err)
		}
		*seq++
	}
	return nil
}
