package bench

import (
	"context"
	"errors"
	"os"
	"testing"
)

// baselines runs both baselines behind one signature, so every property
// below is checked against each of them.
var baselines = []struct {
	name string
	run  func(ctx context.Context, dir string, total int64) (bytes int64, mbPerSec float64, err error)
}{
	{"disk", func(ctx context.Context, dir string, total int64) (int64, float64, error) {
		res, err := DiskBaseline(ctx, dir, total)
		if err == nil && res.SyncP99 < res.SyncP50 {
			return 0, 0, errors.New("sync percentiles out of order")
		}
		return res.Bytes, res.MBPerSec, err
	}},
	{"bolt", func(ctx context.Context, dir string, total int64) (int64, float64, error) {
		res, err := BoltBaseline(ctx, dir, total, 200)
		if err == nil && res.RecordsPerSec <= 0 {
			return 0, 0, errors.New("no record rate")
		}
		return res.Bytes, res.MBPerSec, err
	}},
}

func TestBaselinesWriteAllAndCleanUp(t *testing.T) {
	totals := []struct {
		name  string
		total int64
	}{
		{"4MiB", 4 << 20},
		{"partial last chunk", 4<<20 + 1000},
		{"smaller than a chunk", 1000},
	}
	for _, b := range baselines {
		for _, tc := range totals {
			t.Run(b.name+"/"+tc.name, func(t *testing.T) {
				dir := t.TempDir()
				n, rate, err := b.run(t.Context(), dir, tc.total)
				if err != nil {
					t.Fatal(err)
				}
				if n != tc.total {
					t.Errorf("wrote %d bytes, want %d", n, tc.total)
				}
				if rate <= 0 {
					t.Errorf("rate %v MB/s, want positive", rate)
				}
				assertEmpty(t, dir)
			})
		}
	}
}

func TestBaselinesStopOnCancel(t *testing.T) {
	for _, b := range baselines {
		t.Run(b.name, func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			n, _, err := b.run(ctx, dir, 4<<20)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			if n != 0 {
				t.Errorf("wrote %d bytes after cancel, want 0", n)
			}
			assertEmpty(t, dir)
		})
	}
}

func TestBaselinesRejectBadSizes(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		run  func() error
	}{
		{"disk zero total", func() error { _, err := DiskBaseline(t.Context(), dir, 0); return err }},
		{"bolt negative total", func() error { _, err := BoltBaseline(t.Context(), dir, -1, 200); return err }},
		{"bolt zero record size", func() error { _, err := BoltBaseline(t.Context(), dir, 1<<20, 0); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run(); !errors.Is(err, ErrInvalidSize) {
				t.Errorf("err = %v, want ErrInvalidSize", err)
			}
		})
	}
	assertEmpty(t, dir)
}

func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("left behind: %s", e.Name())
	}
}
