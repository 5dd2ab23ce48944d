package uplink

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tidegate/tidegate/shards"
)

// TestInitializeRemovesLeftovers: a process killed inside a write of a
// paused flag or an in-flight marker leaves its temporary file, which no
// later write reuses; the manager removes them when it starts, and only
// them.
func TestInitializeRemovesLeftovers(t *testing.T) {
	dir := t.TempDir()
	leftovers := []string{".export.paused.123456", ".export.inflight.4052872374"}
	kept := []string{"export.paused", "export.inflight", ".hidden"}
	for _, name := range append(append([]string(nil), leftovers...), kept...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	st, err := shards.Open(t.TempDir(), shards.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := &Manager{Store: st, Dir: dir, StatusStream: "-"}
	if err := m.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, name := range leftovers {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("leftover %s is still there (%v)", name, err)
		}
	}
	for _, name := range kept {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s was removed: %v", name, err)
		}
	}
}
