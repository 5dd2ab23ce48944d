//go:build linux && !arm && !386 && !mips && !mipsle

package powercut

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// mountDirs makes a backing directory, fills it with files (path →
// content), and mounts it.
func mountDirs(t *testing.T, files map[string]string) (*FS, string, string) {
	t.Helper()
	backing, mnt := filepath.Join(t.TempDir(), "data"), filepath.Join(t.TempDir(), "mnt")
	for _, d := range []string{backing, mnt} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for p, content := range files {
		full := filepath.Join(backing, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fs := MountT(t, backing, mnt)
	return fs, backing, mnt
}

func cut(t *testing.T, fs *FS, opts CutOptions) *CutReport {
	t.Helper()
	rep, err := fs.Cut(opts)
	if err != nil {
		t.Fatalf("cut: %v", err)
	}
	return rep
}

func mustWrite(t *testing.T, path, content string, sync bool) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(content); err != nil {
		t.Fatal(err)
	}
	if sync {
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func syncDir(t *testing.T, dir string) {
	t.Helper()
	d, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		t.Fatalf("fsync %s: %v", dir, err)
	}
}

// wantFile checks a file's content; "" with missing set means absent.
func wantFile(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if !bytes.Equal(got, []byte(want)) {
		t.Fatalf("%s holds %q, want %q", path, got, want)
	}
}

func wantMissing(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Fatalf("%s exists (%v), want it gone", path, err)
	}
}

func TestSyncedWriteSurvives(t *testing.T) {
	fs, backing, mnt := mountDirs(t, nil)
	mustWrite(t, filepath.Join(mnt, "f"), "synced", true)
	syncDir(t, mnt)
	wantFile(t, filepath.Join(mnt, "f"), "synced")
	cut(t, fs, CutOptions{})
	wantFile(t, filepath.Join(backing, "f"), "synced")
}

func TestUnsyncedWriteIsDropped(t *testing.T) {
	fs, backing, mnt := mountDirs(t, map[string]string{"f": "old"})
	mustWrite(t, filepath.Join(mnt, "f"), "new, not synced", false)
	syncDir(t, mnt)
	wantFile(t, filepath.Join(mnt, "f"), "new, not synced")
	rep := cut(t, fs, CutOptions{})
	wantFile(t, filepath.Join(backing, "f"), "old")
	if !reportHas(rep, "write", "/f") || !reportHas(rep, "truncate", "/f") {
		t.Fatalf("the report does not list the write and the truncate to /f as dropped:\n%s", rep)
	}
}

// reportHas says whether a report lists a dropped operation of kind on p.
func reportHas(rep *CutReport, kind, p string) bool {
	for _, op := range rep.Dropped {
		if op.Kind == kind && op.Path == p && op.State == Dropped {
			return true
		}
	}
	return false
}

func TestCreateWithoutDirSyncVanishes(t *testing.T) {
	fs, backing, mnt := mountDirs(t, nil)
	mustWrite(t, filepath.Join(mnt, "f"), "data synced, name not", true)
	rep := cut(t, fs, CutOptions{})
	wantMissing(t, filepath.Join(backing, "f"))
	if !reportHas(rep, "create", "/f") {
		t.Fatalf("the report does not list the create as dropped:\n%s", rep)
	}
}

func TestDirSyncWithoutFileSyncLeavesEmptyFile(t *testing.T) {
	fs, backing, mnt := mountDirs(t, nil)
	mustWrite(t, filepath.Join(mnt, "f"), "name synced, data not", false)
	syncDir(t, mnt)
	cut(t, fs, CutOptions{})
	wantFile(t, filepath.Join(backing, "f"), "")
}

func TestRenameWithoutDirSyncIsUndone(t *testing.T) {
	fs, backing, mnt := mountDirs(t, map[string]string{"a": "A", "b": "B"})
	if err := os.Rename(filepath.Join(mnt, "a"), filepath.Join(mnt, "b")); err != nil {
		t.Fatal(err)
	}
	wantMissing(t, filepath.Join(mnt, "a"))
	wantFile(t, filepath.Join(mnt, "b"), "A")
	rep := cut(t, fs, CutOptions{})
	wantFile(t, filepath.Join(backing, "a"), "A")
	wantFile(t, filepath.Join(backing, "b"), "B")
	if !reportHas(rep, "rename", "/a") {
		t.Fatalf("the report does not list the rename as dropped:\n%s", rep)
	}
}

// TestReplaceDurably is the pattern of internal/durable: temporary file,
// fsync, rename over the old one, fsync of the directory.
func TestReplaceDurably(t *testing.T) {
	fs, backing, mnt := mountDirs(t, map[string]string{"state": "old"})
	mustWrite(t, filepath.Join(mnt, ".state.tmp"), "new", true)
	if err := os.Rename(filepath.Join(mnt, ".state.tmp"), filepath.Join(mnt, "state")); err != nil {
		t.Fatal(err)
	}
	syncDir(t, mnt)
	cut(t, fs, CutOptions{})
	wantFile(t, filepath.Join(backing, "state"), "new")
	wantMissing(t, filepath.Join(backing, ".state.tmp"))
}

func TestUnlinkWithoutDirSyncIsUndone(t *testing.T) {
	fs, backing, mnt := mountDirs(t, map[string]string{"f": "kept", "g": "gone"})
	for _, name := range []string{"f", "g"} {
		if err := os.Remove(filepath.Join(mnt, name)); err != nil {
			t.Fatal(err)
		}
	}
	wantMissing(t, filepath.Join(mnt, "f"))
	// A synced unlink in another directory is no help.
	if err := os.Mkdir(filepath.Join(mnt, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	syncDir(t, filepath.Join(mnt, "d"))
	cut(t, fs, CutOptions{})
	wantFile(t, filepath.Join(backing, "f"), "kept")
	wantFile(t, filepath.Join(backing, "g"), "gone")
	wantMissing(t, filepath.Join(backing, "d"))
}

func TestUnlinkWithDirSyncIsDurable(t *testing.T) {
	fs, backing, mnt := mountDirs(t, map[string]string{"f": "x"})
	if err := os.Remove(filepath.Join(mnt, "f")); err != nil {
		t.Fatal(err)
	}
	syncDir(t, mnt)
	cut(t, fs, CutOptions{})
	wantMissing(t, filepath.Join(backing, "f"))
}

func TestTruncate(t *testing.T) {
	big := string(bytes.Repeat([]byte("x"), 3*pageSize+100))
	for _, tc := range []struct {
		name string
		sync bool
		want string
	}{
		{"unsynced is undone", false, big},
		{"fsync makes it durable", true, big[:100]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs, backing, mnt := mountDirs(t, map[string]string{"f": big})
			p := filepath.Join(mnt, "f")
			if err := os.Truncate(p, 100); err != nil {
				t.Fatal(err)
			}
			wantFile(t, p, big[:100])
			if tc.sync {
				f, err := os.OpenFile(p, os.O_RDWR, 0)
				if err != nil {
					t.Fatal(err)
				}
				if err := f.Sync(); err != nil {
					t.Fatal(err)
				}
				f.Close()
			}
			cut(t, fs, CutOptions{})
			wantFile(t, filepath.Join(backing, "f"), tc.want)
		})
	}
}

// TestTruncateThenGrowReadsZeros: bytes a truncate cut off do not come
// back when the file grows again, before or after an fsync.
func TestTruncateThenGrowReadsZeros(t *testing.T) {
	big := string(bytes.Repeat([]byte("x"), 2*pageSize))
	fs, backing, mnt := mountDirs(t, map[string]string{"f": big})
	p := filepath.Join(mnt, "f")
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(10); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("y"), pageSize+5); err != nil {
		t.Fatal(err)
	}
	want := big[:10] + string(make([]byte, pageSize-5)) + "y"
	wantFile(t, p, want)
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	cut(t, fs, CutOptions{})
	wantFile(t, filepath.Join(backing, "f"), want)
}

func TestFdatasyncMakesDataAndSizeDurable(t *testing.T) {
	fs, backing, mnt := mountDirs(t, map[string]string{"f": "0123"})
	f, err := os.OpenFile(filepath.Join(mnt, "f"), os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("4567"); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fdatasync(int(f.Fd())); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("89"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	wantFile(t, filepath.Join(mnt, "f"), "0123456789")
	cut(t, fs, CutOptions{})
	wantFile(t, filepath.Join(backing, "f"), "01234567")
}

func TestChmodIsDurableOnFsync(t *testing.T) {
	fs, backing, mnt := mountDirs(t, map[string]string{"synced": "", "unsynced": ""})
	for _, name := range []string{"synced", "unsynced"} {
		f, err := os.OpenFile(filepath.Join(mnt, name), os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Chmod(0o600); err != nil {
			t.Fatal(err)
		}
		if name == "synced" {
			if err := f.Sync(); err != nil {
				t.Fatal(err)
			}
		}
		f.Close()
	}
	cut(t, fs, CutOptions{})
	for name, want := range map[string]os.FileMode{"synced": 0o600, "unsynced": 0o644} {
		if fi, err := os.Stat(filepath.Join(backing, name)); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %v", name, fi.Mode().Perm(), err, want)
		}
	}
}

func TestNewDirectory(t *testing.T) {
	for _, syncParent := range []bool{false, true} {
		t.Run(map[bool]string{false: "parent not synced", true: "parent synced"}[syncParent], func(t *testing.T) {
			fs, backing, mnt := mountDirs(t, nil)
			d := filepath.Join(mnt, "d", "e")
			if err := os.MkdirAll(d, 0o750); err != nil {
				t.Fatal(err)
			}
			mustWrite(t, filepath.Join(d, "f"), "in e", true)
			syncDir(t, d)
			syncDir(t, filepath.Join(mnt, "d"))
			if syncParent {
				syncDir(t, mnt)
			}
			cut(t, fs, CutOptions{})
			if !syncParent {
				wantMissing(t, filepath.Join(backing, "d"))
				return
			}
			wantFile(t, filepath.Join(backing, "d", "e", "f"), "in e")
			if fi, err := os.Stat(filepath.Join(backing, "d", "e")); err != nil || fi.Mode().Perm() != 0o750 {
				t.Errorf("d/e: mode %v (%v), want 0750", fi.Mode().Perm(), err)
			}
		})
	}
}

// TestRenameBetweenDirectoriesNeedsBoth: a rename from one directory to
// another is durable once both are synced, and not before.
func TestRenameBetweenDirectoriesNeedsBoth(t *testing.T) {
	for _, tc := range []struct {
		name  string
		syncs []string
		moved bool
	}{
		{"neither", nil, false},
		{"source", []string{"a"}, false},
		{"target", []string{"b"}, false},
		{"both", []string{"b", "a"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs, backing, mnt := mountDirs(t, map[string]string{"a/f": "F", "b/.keep": ""})
			if err := os.Rename(filepath.Join(mnt, "a", "f"), filepath.Join(mnt, "b", "g")); err != nil {
				t.Fatal(err)
			}
			for _, d := range tc.syncs {
				syncDir(t, filepath.Join(mnt, d))
			}
			cut(t, fs, CutOptions{})
			if tc.moved {
				wantMissing(t, filepath.Join(backing, "a", "f"))
				wantFile(t, filepath.Join(backing, "b", "g"), "F")
			} else {
				wantFile(t, filepath.Join(backing, "a", "f"), "F")
				wantMissing(t, filepath.Join(backing, "b", "g"))
			}
		})
	}
}

func TestDirectoryMovesOnlyWithinItsParent(t *testing.T) {
	_, _, mnt := mountDirs(t, map[string]string{"a/d/f": "", "b/.keep": ""})
	err := os.Rename(filepath.Join(mnt, "a", "d"), filepath.Join(mnt, "b", "d"))
	if !errors.Is(err, syscall.EXDEV) {
		t.Fatalf("rename of a directory to another parent: %v, want EXDEV", err)
	}
	if err := os.Rename(filepath.Join(mnt, "a", "d"), filepath.Join(mnt, "a", "e")); err != nil {
		t.Fatal(err)
	}
}

// TestUnlinkedWhileOpen: a file unlinked while open can still be written
// and synced; if the unlink is not durable, the cut brings the file back
// with what was synced through the open descriptor.
func TestUnlinkedWhileOpen(t *testing.T) {
	for _, syncUnlink := range []bool{false, true} {
		t.Run(map[bool]string{false: "unlink not synced", true: "unlink synced"}[syncUnlink], func(t *testing.T) {
			fs, backing, mnt := mountDirs(t, map[string]string{"f": "old"})
			f, err := os.OpenFile(filepath.Join(mnt, "f"), os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := os.Remove(filepath.Join(mnt, "f")); err != nil {
				t.Fatal(err)
			}
			if syncUnlink {
				syncDir(t, mnt)
			}
			if _, err := f.WriteAt([]byte("new"), 0); err != nil {
				t.Fatal(err)
			}
			if err := f.Sync(); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, 3)
			if _, err := f.ReadAt(got, 0); err != nil || string(got) != "new" {
				t.Fatalf("read %q %v through the open descriptor", got, err)
			}
			f.Close()
			cut(t, fs, CutOptions{})
			if syncUnlink {
				wantMissing(t, filepath.Join(backing, "f"))
			} else {
				wantFile(t, filepath.Join(backing, "f"), "new")
			}
		})
	}
}

func TestHardLinkAndSymlink(t *testing.T) {
	fs, backing, mnt := mountDirs(t, map[string]string{"f": "F"})
	if err := os.Link(filepath.Join(mnt, "f"), filepath.Join(mnt, "g")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("f", filepath.Join(mnt, "s")); err != nil {
		t.Fatal(err)
	}
	wantFile(t, filepath.Join(mnt, "s"), "F")
	syncDir(t, mnt)
	if err := os.Link(filepath.Join(mnt, "f"), filepath.Join(mnt, "unsynced")); err != nil {
		t.Fatal(err)
	}
	cut(t, fs, CutOptions{})
	f, _ := os.Stat(filepath.Join(backing, "f"))
	g, err := os.Stat(filepath.Join(backing, "g"))
	if err != nil || !os.SameFile(f, g) {
		t.Fatalf("g is not a hard link of f after the cut (%v)", err)
	}
	if target, err := os.Readlink(filepath.Join(backing, "s")); err != nil || target != "f" {
		t.Fatalf("symlink s: %q %v", target, err)
	}
	wantMissing(t, filepath.Join(backing, "unsynced"))
}

func TestTornWrite(t *testing.T) {
	old := bytes.Repeat([]byte("o"), 3*pageSize)
	for _, tc := range []struct {
		block, pick, keep int
	}{
		{4096, 0, 0},          // none of the write
		{4096, 1, 4096 - 100}, // up to the first page boundary
		{4096, 2, 2*4096 - 100},
		{512, 3, 3*512 - 100},
	} {
		t.Run(fmt.Sprintf("%d-%d", tc.block, tc.pick), func(t *testing.T) {
			fs, backing, mnt := mountDirs(t, map[string]string{"f": string(old)})
			f, err := os.OpenFile(filepath.Join(mnt, "f"), os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteAt(bytes.Repeat([]byte("n"), 9000), 100); err != nil {
				t.Fatal(err)
			}
			f.Close()
			var points int
			rep := cut(t, fs, CutOptions{Tear: Tear{Block: tc.block, Pick: func(n int) int { points = n; return tc.pick }}})
			if want := []int{4096: 3, 512: 18}[tc.block]; points != want {
				t.Errorf("%d possible tears, want %d", points, want)
			}
			want := append([]byte(nil), old...)
			copy(want[100:], bytes.Repeat([]byte("n"), tc.keep))
			got, _ := os.ReadFile(filepath.Join(backing, "f"))
			if !bytes.Equal(got, want) {
				t.Fatalf("after the tear the file holds %d bytes of n, want %d", bytes.Count(got, []byte("n")), tc.keep)
			}
			if !strings.Contains(rep.Torn, fmt.Sprintf("%d bytes reached the disk", tc.keep)) {
				t.Errorf("report says %q", rep.Torn)
			}
		})
	}
}

// TestReadDirShowsVolatileNames lists what the dentry cache holds.
func TestReadDirShowsVolatileNames(t *testing.T) {
	_, _, mnt := mountDirs(t, map[string]string{"a": "", "b": ""})
	mustWrite(t, filepath.Join(mnt, "c"), "", false)
	if err := os.Remove(filepath.Join(mnt, "a")); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(mnt)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "b,c" {
		t.Fatalf("readdir: %v, want [b c]", names)
	}
}

func TestCutStopsTheMount(t *testing.T) {
	fs, _, mnt := mountDirs(t, nil)
	f, err := os.Create(filepath.Join(mnt, "open"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := fs.Cut(CutOptions{})
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("cut with a file open in this process: %v, want ErrBusy", err)
	}
	if rep == nil || rep.DroppedTotal == 0 {
		t.Fatalf("report %v", rep)
	}
	if _, err := f.Write([]byte("x")); err == nil {
		t.Fatal("a write after the cut succeeded")
	}
	f.Close()
	select {
	case <-fs.served:
	case <-time.After(5 * time.Second):
		t.Fatal("the server did not stop once the last file was closed")
	}
	if _, err := fs.Cut(CutOptions{}); err == nil {
		t.Fatal("a second cut succeeded")
	}
}
