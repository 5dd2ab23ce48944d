//go:build linux && !arm && !386 && !mips && !mipsle

package powercut

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// CopyDir copies the tree at src, as a cut left it, to dst, a new
// directory. A check that restarts a store writes as it recovers; on a
// copy it leaves the backing directory as the cut left it, so that the
// next cycle's child recovers from it itself, under the cuts. Holes stay
// holes: bbolt grows its files by truncating them tens of MiB at a time.
func CopyDir(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.Mkdir(to, info.Mode().Perm()|0o700)
		case d.Type().IsRegular():
			return copyFile(path, to, info)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		}
		return nil
	})
}

// copyFile copies the data segments of a file (SEEK_DATA, SEEK_HOLE) and
// sets its size.
func copyFile(from, to string, info fs.FileInfo) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, info.Mode().Perm())
	if err != nil {
		return err
	}
	size := info.Size()
	for off := int64(0); off < size; {
		data, err := in.Seek(off, seekData)
		if errors.Is(err, syscall.ENXIO) {
			break // only a hole is left
		}
		if err != nil {
			out.Close()
			return fmt.Errorf("powercut: copy %s: %w", from, err)
		}
		hole, err := in.Seek(data, seekHole)
		if err != nil {
			out.Close()
			return fmt.Errorf("powercut: copy %s: %w", from, err)
		}
		if _, err := in.Seek(data, io.SeekStart); err != nil {
			out.Close()
			return err
		}
		if _, err := io.Copy(io.NewOffsetWriter(out, data), io.LimitReader(in, hole-data)); err != nil {
			out.Close()
			return fmt.Errorf("powercut: copy %s: %w", from, err)
		}
		off = hole
	}
	if err := out.Truncate(size); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// lseek's whence for the next data and the next hole (Linux).
const (
	seekData = 3
	seekHole = 4
)
