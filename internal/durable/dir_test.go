package durable

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestMkdirAll(t *testing.T) {
	dir := t.TempDir()
	deep := filepath.Join(dir, "a", "b", "c")
	if err := MkdirAll(deep, 0o700); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(deep); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Fatalf("stat %s: %v %v", deep, fi, err)
	}
	if err := MkdirAll(deep, 0o700); err != nil {
		t.Errorf("an existing directory: %v", err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := MkdirAll(file, 0o700); err == nil {
		t.Error("MkdirAll over a file succeeded")
	}
	if err := MkdirAll(filepath.Join(file, "sub"), 0o700); err == nil {
		t.Error("MkdirAll under a file succeeded")
	}
}

func TestRemove(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flag")
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the file is still there: %v", err)
	}
	if err := Remove(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("removing a missing file: %v, want fs.ErrNotExist", err)
	}
	if err := Remove(filepath.Join(path, "x", "y")); err == nil {
		t.Error("removing a file in a missing directory succeeded")
	}
}

func TestRemoveLeftovers(t *testing.T) {
	dir := t.TempDir()
	// A temporary file as WriteFile names it, interrupted before its rename.
	f, err := os.CreateTemp(dir, ".state.json.*")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	keep := []string{"state.json", ".hidden", ".state.json.tmp", ".7", "a.123", "..1x"}
	for _, name := range keep {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, ".dir.42"), 0o700); err != nil {
		t.Fatal(err)
	}
	removed, err := RemoveLeftovers(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Base(f.Name())}; !slices.Equal(removed, want) {
		t.Errorf("removed %q, want %q", removed, want)
	}
	entries, _ := os.ReadDir(dir)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	want := append(slices.Clone(keep), ".dir.42")
	slices.Sort(want)
	if !slices.Equal(left, want) {
		t.Errorf("left %q, want %q", left, want)
	}
	if _, err := RemoveLeftovers(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing directory is not an error")
	}
}
