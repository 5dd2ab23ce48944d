package shards

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// A new file or directory is only a name in its directory, and a power cut
// forgets every name made or removed since the directory was last synced:
// bbolt syncs its files, never their names. (internal/durable has the same
// for the rest of Tidegate; this package imports nothing of it.)

// syncDir makes the names in dir durable: new, renamed and removed ones.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// mkdirAll creates dir and its missing parents, each synced into its
// parent. A directory that exists is taken as durable.
func mkdirAll(dir string) error {
	dir = filepath.Clean(dir)
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := mkdirAll(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return syncDir(parent)
}
