package file

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/tidegate/tidegate/internal/durable"
	"github.com/tidegate/tidegate/uplink"
)

// afterWrite, when set by a test, runs once a temporary file is written and
// synced, before it is renamed: a failure there is a crash at the worst
// moment.
var afterWrite func(tmp string) error

// tempName is where an object is written before it is renamed. It is
// hidden, never the name of an object, and the same for the same object:
// when a batch is retried after a crash, its leftover temporary file is
// truncated and reused instead of lingering.
func tempName(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
}

// writeObject writes recs, encoded, to path atomically: temporary file,
// fsync, rename, fsync of the directory.
func (s *Sink) writeObject(path string, recs []uplink.Record) (err error) {
	dir := filepath.Dir(path)
	if err := mkdirAll(dir); err != nil {
		return describe("create directory", dir, err)
	}
	tmp := tempName(path)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return describe("create", tmp, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	w := bufio.NewWriterSize(f, 64<<10)
	if err := s.enc.Encode(w, recs); err != nil {
		return describe("write", tmp, err)
	}
	if err := w.Flush(); err != nil {
		return describe("write", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return describe("sync", tmp, err)
	}
	if afterWrite != nil {
		if err := afterWrite(tmp); err != nil {
			return err
		}
	}
	if err := f.Close(); err != nil {
		return describe("close", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return describe("rename", path, err)
	}
	if err := durable.SyncDir(dir); err != nil {
		return describe("sync directory", dir, err)
	}
	return nil
}

// mkdirAll creates dir and its missing parents, fsyncing each parent a new
// directory was made in, so a directory made for an object survives a
// crash along with the object.
func mkdirAll(dir string) error {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return &fs.PathError{Op: "mkdir", Path: dir, Err: syscall.ENOTDIR}
		}
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := mkdirAll(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil // made meanwhile by another delivery
		}
		return err
	}
	return durable.SyncDir(parent)
}

// describe wraps a file system error with what it means for the user. The
// error stays plain (retried): disk space comes back, a remount makes a
// file system writable, permissions get fixed.
func describe(op, path string, err error) error {
	var why string
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		why = "no space left on the device (the batch is retried when space is freed)"
	case errors.Is(err, syscall.EROFS):
		why = "the file system is read-only (the batch is retried)"
	case errors.Is(err, fs.ErrPermission):
		why = "permission denied (the batch is retried; check the owner and mode of the directory)"
	}
	if why != "" {
		return fmt.Errorf("file: %s %s: %s: %w", op, path, why, err)
	}
	return fmt.Errorf("file: %s %s: %w", op, path, err)
}
