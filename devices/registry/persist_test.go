package registry

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A saved registry loads back with every device, its counts, last values and an
// explicit offline state; online-by-time is worked out again from the clock.
func TestSaveLoad(t *testing.T) {
	now := time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	r := New(time.Minute, clock)
	r.Seen("node-1", "mqtt", map[string]any{"t": 21.5, "ok": true}, now)
	r.Seen("node-1", "mqtt", map[string]any{"t": 22.0}, now.Add(time.Second))
	r.Seen("plant/node-2", "sparkplug", nil, now)
	r.SetOnline("plant/node-2", "sparkplug", false, "Sparkplug death")
	path := filepath.Join(t.TempDir(), "devices.json")
	v, err := r.Save(path)
	if err != nil {
		t.Fatal(err)
	}
	if v != r.Version() {
		t.Fatalf("saved version %d, registry at %d", v, r.Version())
	}

	back := New(time.Minute, clock)
	if err := back.Load(path); err != nil {
		t.Fatal(err)
	}
	got := back.List()
	if len(got) != 2 {
		t.Fatalf("%d devices loaded, want 2: %+v", len(got), got)
	}
	n1, n2 := got[0], got[1]
	if n1.ID != "node-1" || n1.Messages != 2 || n1.LastValues["t"] != 22.0 || !n1.Online || !n1.LastSeen.Equal(now.Add(time.Second)) || !n1.FirstSeen.Equal(now) {
		t.Fatalf("node-1 %+v", n1)
	}
	if n2.Online || n2.Why != "Sparkplug death" {
		t.Fatalf("node-2 %+v", n2)
	}
	now = now.Add(2 * time.Minute)
	if d, _ := back.Get("node-1"); d.Online || d.Why != "timeout" {
		t.Fatalf("node-1 after the timeout %+v", d)
	}
	// A missing file is an empty registry; a damaged one is an error.
	if err := New(0, nil).Load(filepath.Join(t.TempDir(), "none.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := New(0, nil).Load(path); err == nil {
		t.Fatal("a damaged file loaded")
	}
}
