//go:build linux && !arm && !386 && !mips && !mipsle

package powercut

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestCopyDirKeepsContentAndHoles(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "copy")
	if err := os.MkdirAll(filepath.Join(src, "a", "b"), 0o700); err != nil {
		t.Fatal(err)
	}
	// A file with data, a 32 MiB hole, data, and a hole at its end.
	sparse := filepath.Join(src, "a", "sparse")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("head"), 0)
	f.WriteAt([]byte("tail"), 32<<20)
	f.Truncate(64 << 20)
	f.Close()
	if err := os.WriteFile(filepath.Join(src, "a", "b", "small"), []byte("small"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "empty"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a/b/small", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	if err := CopyDir(src, dst); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a/sparse", "a/b/small", "empty", "link"} {
		want, err1 := os.ReadFile(filepath.Join(src, name))
		got, err2 := os.ReadFile(filepath.Join(dst, name))
		if err1 != nil || err2 != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: copy differs (%v, %v)", name, err1, err2)
		}
	}
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(dst, "a", "sparse"), &st); err != nil {
		t.Fatal(err)
	}
	if st.Blocks*512 > 1<<20 {
		t.Errorf("the copy of a 64 MiB file holding 8 bytes takes %d bytes: its holes were filled", st.Blocks*512)
	}
}
