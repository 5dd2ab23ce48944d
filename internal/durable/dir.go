package durable

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// MkdirAll creates dir and its missing parents, as os.MkdirAll does, and
// syncs each directory it creates into its parent: a new directory is only
// a name in its parent, and a power cut forgets a name whose directory was
// not synced after it was made, with every file beneath it, synced or
// not. A directory that exists already is taken as durable: only the few
// microseconds between a mkdir and its sync, in a process killed right
// then, can leave one that is not.
func MkdirAll(dir string, perm os.FileMode) error {
	dir = filepath.Clean(dir)
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return &fs.PathError{Op: "mkdir", Path: dir, Err: syscall.ENOTDIR}
		}
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := MkdirAll(parent, perm); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, perm); err != nil {
		// Made meanwhile by another caller, which may not have synced it
		// yet: sync it here too.
		if fi, serr := os.Stat(dir); !errors.Is(err, fs.ErrExist) || serr != nil || !fi.IsDir() {
			return err
		}
	}
	return SyncDir(parent)
}

// Remove removes a file and syncs its directory, so that a power cut
// cannot bring the file back. A file that is not there is still an error
// (fs.ErrNotExist), after the sync: its removal may have been made by a
// process killed before it could sync.
func Remove(path string) error {
	err := os.Remove(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if serr := SyncDir(filepath.Dir(path)); serr != nil {
		return serr
	}
	return err
}
