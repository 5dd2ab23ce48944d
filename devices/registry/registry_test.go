package registry

import (
	"sync"
	"testing"
	"time"
)

func TestRegistry(t *testing.T) {
	now := time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	r := New(time.Minute, clock)
	r.Seen("node-2", "mqtt", map[string]any{"t": 21.5}, time.Time{})
	r.Seen("node-1", "sensor", map[string]any{"t": 20.0}, now)
	r.Seen("node-1", "sensor", map[string]any{"t": 20.5}, now.Add(time.Second))

	list := r.List()
	if len(list) != 2 || list[0].ID != "node-1" || list[1].ID != "node-2" {
		t.Fatalf("list %+v", list)
	}
	d := list[0]
	if d.Messages != 2 || d.LastValues["t"] != 20.5 || !d.Online || !d.FirstSeen.Equal(now) || !d.LastSeen.Equal(now.Add(time.Second)) {
		t.Fatalf("node-1 %+v", d)
	}

	// A death takes it offline until it is seen again.
	r.SetOnline("node-1", "sparkplug", false, "NDEATH")
	if d, _ := r.Get("node-1"); d.Online || d.Why != "NDEATH" {
		t.Fatalf("after death %+v", d)
	}
	r.Seen("node-1", "sparkplug", nil, now.Add(2*time.Second))
	if d, _ := r.Get("node-1"); !d.Online || d.LastValues["t"] != 20.5 {
		t.Fatalf("after rebirth %+v", d)
	}

	// Silence past the timeout is offline too.
	now = now.Add(2 * time.Minute)
	if d, _ := r.Get("node-2"); d.Online || d.Why != "timeout" {
		t.Fatalf("after timeout %+v", d)
	}
	if _, ok := r.Get("nobody"); ok {
		t.Fatal("unknown device found")
	}
}

func TestConcurrentUse(t *testing.T) {
	r := New(0, nil)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1000; j++ {
				r.Seen("d", "mqtt", map[string]any{"j": j}, time.Time{})
				r.List()
			}
		}()
	}
	wg.Wait()
	if d, _ := r.Get("d"); d.Messages != 8000 {
		t.Fatalf("messages %d", d.Messages)
	}
}
