//go:build linux && !arm && !386 && !mips && !mipsle

package durable

// The power-cut tests of MkdirAll and Remove, each with a control: the
// same workload with os.MkdirAll or os.Remove, which the cuts must catch
// losing what was acknowledged.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/powercut"
)

// mkdirChild makes a new directory with a subdirectory, writes a file in
// the subdirectory and acknowledges it, again and again.
func mkdirChild(t *testing.T, mkdir func(string, os.FileMode) error) {
	c := powercut.StartChild(t)
	c.Ready()
	for k := 0; ; k++ {
		name := fmt.Sprintf("d%d-%d", c.Cycle, k)
		sub := filepath.Join(c.Dir, name, "sub")
		if err := mkdir(sub, 0o700); err != nil {
			c.Fatalf("mkdir %s: %v", sub, err)
		}
		if err := WriteFile(filepath.Join(sub, "file"), []byte(name), 0o600); err != nil {
			c.Fatalf("write in %s: %v", sub, err)
		}
		c.Ack("%s", name)
		time.Sleep(2 * time.Millisecond)
	}
}

func TestPowerCutMkdirAllChild(t *testing.T)      { mkdirChild(t, MkdirAll) }
func TestPowerCutMkdirAllPlainChild(t *testing.T) { mkdirChild(t, os.MkdirAll) }

// mkdirCheck: every acknowledged directory holds its file.
func mkdirCheck() func(*powercut.Cycle) error {
	var acked []string
	return func(cy *powercut.Cycle) error {
		acked = append(acked, cy.Acks...)
		var errs []error
		for _, name := range acked {
			b, err := os.ReadFile(filepath.Join(cy.Dir, name, "sub", "file"))
			if err != nil || string(b) != name {
				errs = append(errs, fmt.Errorf("directory %s was acknowledged with its file: %q %v", name, b, err))
			}
		}
		return errors.Join(errs...)
	}
}

// removeChild writes a file and acknowledges it, removes it and
// acknowledges that, then waits a little before the next file: the next
// write's directory sync would make a removal durable by the way.
func removeChild(t *testing.T, remove func(string) error) {
	c := powercut.StartChild(t)
	c.Ready()
	for k := 0; ; k++ {
		name := fmt.Sprintf("f%d-%d", c.Cycle, k)
		path := filepath.Join(c.Dir, name)
		if err := WriteFile(path, []byte(name), 0o600); err != nil {
			c.Fatalf("write %s: %v", name, err)
		}
		c.Ack("w %s", name)
		if err := remove(path); err != nil {
			c.Fatalf("remove %s: %v", name, err)
		}
		c.Ack("r %s", name)
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPowerCutRemoveChild(t *testing.T)      { removeChild(t, Remove) }
func TestPowerCutRemovePlainChild(t *testing.T) { removeChild(t, os.Remove) }

// removeCheck: every file acknowledged as removed is gone; one acknowledged
// as written and not removed is there (or its removal was in flight).
func removeCheck() func(*powercut.Cycle) error {
	removed := map[string]bool{}
	return func(cy *powercut.Cycle) error {
		var errs []error
		last := ""
		for _, a := range cy.Acks {
			op, name, _ := strings.Cut(a, " ")
			if op == "r" {
				removed[name] = true
			}
			last = a
		}
		for name := range removed {
			if _, err := os.Stat(filepath.Join(cy.Dir, name)); !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("%s was acknowledged as removed and is back after the cut (%v)", name, err))
			}
		}
		if op, name, ok := strings.Cut(last, " "); ok && op == "w" {
			if b, err := os.ReadFile(filepath.Join(cy.Dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) || err == nil && string(b) != name {
				errs = append(errs, fmt.Errorf("%s: %q %v", name, b, err))
			}
		}
		return errors.Join(errs...)
	}
}

func TestPowerCutMkdirAll(t *testing.T) {
	st := powercut.Run(t, powercut.Workload{Child: "TestPowerCutMkdirAllChild", Cycles: 10, MaxAcks: 20, Check: mkdirCheck()})
	if st.Acks == 0 {
		t.Fatal("no directory was acknowledged: the test tested nothing")
	}
}

func TestPowerCutRemove(t *testing.T) {
	st := powercut.Run(t, powercut.Workload{Child: "TestPowerCutRemoveChild", Cycles: 10, MaxAcks: 20, Check: removeCheck()})
	if st.Acks == 0 {
		t.Fatal("no removal was acknowledged: the test tested nothing")
	}
}

// TestPowerCutPlainDirOpsLose is the control: os.MkdirAll and os.Remove,
// which sync no directory, lose what the tests above keep.
func TestPowerCutPlainDirOpsLose(t *testing.T) {
	if err := powercut.Mountable(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("power-cut test: %v (CI=true: the power-cut tests must run)", err)
		}
		t.Skipf("power-cut test: %v", err)
	}
	for _, tc := range []struct {
		child string
		check func(*powercut.Cycle) error
		want  string
	}{
		{"TestPowerCutMkdirAllPlainChild", mkdirCheck(), "was acknowledged with its file"},
		{"TestPowerCutRemovePlainChild", removeCheck(), "is back after the cut"},
	} {
		t.Run(tc.child, func(t *testing.T) {
			_, err := powercut.Execute(t, powercut.Workload{Child: tc.child, Cycles: 10, MaxAcks: 20, Check: tc.check}, 1)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("the cuts did not catch the plain call: %v", err)
			}
			t.Logf("caught, as it should be: %.300s", err)
		})
	}
}
