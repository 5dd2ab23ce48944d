package disk_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/tidegate/tidegate/internal/disk"
	"github.com/tidegate/tidegate/internal/disk/disktest"
)

// On a real 8 MiB filesystem: new data asks the guard and stops at the
// reserve without a single ENOSPC; bookkeeping, which does not ask, still
// writes a reserve's worth; what writes on regardless meets ENOSPC, and
// the guard, told, says so; freed space is seen at once.
func TestGuardOnARealSmallFilesystem(t *testing.T) {
	dir := disktest.Tmpfs(t, 8<<20)
	g, err := disk.New(dir, disk.Options{Reserve: disk.Reserve{Bytes: 1 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.Create(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	defer data.Close()
	chunk := bytes.Repeat([]byte{7}, 64<<10)
	written := 0
	for {
		err := g.Admit(int64(len(chunk)))
		if errors.Is(err, disk.ErrFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := data.Write(chunk); err != nil {
			t.Fatalf("admitted data failed after %d bytes: %v", written, err)
		}
		written += len(chunk)
	}
	if err := data.Sync(); err != nil {
		t.Fatal(err)
	}
	st := g.State()
	if !st.Full || st.Free > 1<<20+64<<10 || written < 6<<20 {
		t.Fatalf("after %d bytes: %+v", written, st)
	}
	// Bookkeeping: a checkpoint file rewritten many times, and a marker
	// nearly the reserve's size.
	for i := range 100 {
		if err := os.WriteFile(filepath.Join(dir, "checkpoint"), bytes.Repeat([]byte{byte(i)}, 4096), 0o644); err != nil {
			t.Fatalf("checkpoint %d in the reserve: %v", i, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "marker"), make([]byte, 3*st.Free/4), 0o644); err != nil {
		t.Fatalf("a marker in the reserve: %v", err)
	}
	// Data that does not ask fills the disk.
	var werr error
	for werr == nil {
		_, werr = data.Write(chunk)
	}
	if !disk.IsNoSpace(werr) {
		t.Fatalf("writing on: %v", werr)
	}
	if err := g.Refresh(werr); !errors.Is(err, disk.ErrFull) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("refresh after ENOSPC: %v", err)
	}
	data.Close()
	if err := os.Remove(filepath.Join(dir, "data")); err != nil {
		t.Fatal(err)
	}
	// The failed write holds the state for an interval.
	if err := g.Refresh(nil); err == nil {
		t.Error("room again at once after a failed write")
	}
	if st := g.State(); st.Free < 6<<20 {
		t.Errorf("after freeing: %+v", st)
	}
}
