package durable

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// RemoveLeftovers removes from dir the temporary files of WriteFile calls
// that a crash or a power cut interrupted (".NAME.DIGITS": nothing else
// removes them) and returns their names. Call it when opening a directory
// that WriteFile writes to, before any write: a write under way in this
// process would lose its temporary file. The removal is not synced: a
// leftover that a power cut brings back is removed at the next start.
func RemoveLeftovers(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		if !e.Type().IsRegular() || !isTemporary(e.Name()) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, e.Name())
	}
	return removed, errors.Join(errs...)
}

// isTemporary reports whether name is one WriteFile gives its temporary
// files: a dot, the target's name, a dot and os.CreateTemp's random digits.
func isTemporary(name string) bool {
	if !strings.HasPrefix(name, ".") {
		return false
	}
	i := strings.LastIndexByte(name, '.')
	if i <= 1 || i == len(name)-1 {
		return false
	}
	for _, c := range name[i+1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
