package bench

import (
	"context"
	"fmt"
	"os"
	"time"
)

// DiskResult is the durable sequential-write capacity of one disk.
type DiskResult struct {
	Bytes    int64         `json:"bytes"`
	Elapsed  time.Duration `json:"elapsed_ns"`
	MBPerSec float64       `json:"mb_per_sec"` // MB = 1e6 bytes
	// SyncP50 and SyncP99 time the fdatasync after each 1 MiB write alone:
	// the floor under any commit of that size.
	SyncP50 time.Duration `json:"sync_p50_ns"`
	SyncP99 time.Duration `json:"sync_p99_ns"`
}

// DiskBaseline measures the physical limit of a durable log on the disk
// holding dir: it appends total bytes of random data to a temporary file in
// 1 MiB writes, each followed by fdatasync, then removes the file. No log
// can commit data faster than this on that disk.
//
// If ctx is done first, it returns the figures for what was written so far
// together with ctx's error.
func DiskBaseline(ctx context.Context, dir string, total int64) (res DiskResult, err error) {
	if total <= 0 {
		return DiskResult{}, fmt.Errorf("bench: disk: total %d: %w", total, ErrInvalidSize)
	}
	f, err := os.CreateTemp(dir, "tidegate-disk-*.bin")
	if err != nil {
		return DiskResult{}, fmt.Errorf("bench: disk: %w", err)
	}
	defer func() {
		if cerr := closeAndRemove(f); cerr != nil && err == nil {
			err = fmt.Errorf("bench: disk: %w", cerr)
		}
	}()

	var syncs Latencies
	defer func() {
		res.MBPerSec = mbPerSec(res.Bytes, res.Elapsed)
		res.SyncP50 = syncs.Percentile(50)
		res.SyncP99 = syncs.Percentile(99)
	}()

	src := newPayload()
	buf := make([]byte, chunkSize)
	for res.Bytes < total {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("bench: disk: stopped after %d bytes: %w", res.Bytes, err)
		}
		n := int(min(int64(chunkSize), total-res.Bytes))
		src.fill(buf[:n])

		start := time.Now()
		if _, err := f.Write(buf[:n]); err != nil {
			return res, fmt.Errorf("bench: disk: write: %w", err)
		}
		written := time.Now()
		if err := fdatasync(f); err != nil {
			return res, fmt.Errorf("bench: disk: fdatasync: %w", err)
		}
		synced := time.Now()

		res.Elapsed += synced.Sub(start)
		syncs.Add(synced.Sub(written))
		res.Bytes += int64(n)
	}
	return res, nil
}

// closeAndRemove always attempts both steps, so a failed close still leaves
// no file behind; it reports the first failure.
func closeAndRemove(f *os.File) error {
	closeErr := f.Close()
	if err := os.Remove(f.Name()); err != nil {
		return fmt.Errorf("remove temp file: %w", err)
	}
	if closeErr != nil {
		return fmt.Errorf("close temp file: %w", closeErr)
	}
	return nil
}
