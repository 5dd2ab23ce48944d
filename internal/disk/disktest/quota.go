package disktest

import (
	"io/fs"
	"path/filepath"
	"sync/atomic"
	"syscall"

	"github.com/tidegate/tidegate/internal/disk"
)

// Quota is a disk of Size bytes that holds Dir and whatever Fill puts on
// it: its free space is Size less the bytes Dir's files take (their
// allocated blocks, as statfs counts them) less the filler. Give its
// Statfs to disk.Options: the guard then sees a small disk filling as the
// stores write, on any machine. Nothing on it answers ENOSPC: a store's
// handling of that is tested with its own fault injection.
type Quota struct {
	Dir    string
	Size   int64
	filler atomic.Int64
}

// Fill takes n more bytes of the disk, as another program's files would;
// a negative n gives them back.
func (q *Quota) Fill(n int64) { q.filler.Add(n) }

// Statfs is disk.Options.Statfs for this disk.
func (q *Quota) Statfs(string) (disk.Space, error) {
	used := q.filler.Load()
	filepath.WalkDir(q.Dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // removed meanwhile
		}
		if fi, err := d.Info(); err == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				used += int64(st.Blocks) * 512
			} else {
				used += fi.Size()
			}
		}
		return nil
	})
	return disk.Space{Total: q.Size, Free: max(q.Size-used, 0)}, nil
}
