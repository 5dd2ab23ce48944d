package gateway

import (
	"bytes"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tidegate/tidegate/gateway/config"
)

// logBuffer is a log destination tests read while the gateway writes.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// count is how many lines hold every one of words.
func (l *logBuffer) count(words ...string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for line := range strings.SplitSeq(l.b.String(), "\n") {
		all := true
		for _, w := range words {
			all = all && strings.Contains(line, w)
		}
		if all && line != "" {
			n++
		}
	}
	return n
}

func startLogged(t *testing.T, yaml string) (*Gateway, *logBuffer, func(string) *config.Config) {
	t.Helper()
	cfg := testConfig(t, yaml)
	logs := &logBuffer{}
	g := New(cfg, slog.New(slog.NewTextHandler(logs, nil)), "test")
	if err := g.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Shutdown(t.Context()) })
	// reparse reads yaml again, as SIGHUP reads the file, keeping what
	// testConfig chose for this gateway.
	reparse := func(yaml string) *config.Config {
		next := testConfig(t, yaml)
		next.DataDir, next.Listen, next.MQTT = cfg.DataDir, cfg.Listen, cfg.MQTT
		return next
	}
	return g, logs, reparse
}

func twoFileDeliveries(dirA, dirB, intervalB string) string {
	return fmt.Sprintf(`
streams:
  - { name: sensors }
deliveries:
  - name: a
    from: sensors
    to: { type: file, dir: %s }
    buffer: { interval: 0s }
  - name: b
    from: sensors
    to: { type: file, dir: %s }
    buffer: { interval: %s }
`, dirA, dirB, intervalB)
}

// A reload of an unchanged file leaves running deliveries alone: their
// counters stay and none is started again (every delivery was restarted,
// its counters back at 0, because specs holding pointers never compared
// equal).
func TestReloadUnchangedKeepsDeliveries(t *testing.T) {
	yaml := twoFileDeliveries(t.TempDir(), t.TempDir(), "0s")
	g, logs, reparse := startLogged(t, yaml)
	s, _ := g.Store().Stream("sensors")
	putN(t, s, 0, 10)
	waitFor(t, "10 records delivered by each", func() bool {
		a, _ := g.Deliveries().Status("a")
		b, _ := g.Deliveries().Status("b")
		return a.RecordsDelivered == 10 && b.RecordsDelivered == 10
	})
	applied, restart, err := g.Reload(reparse(yaml))
	if err != nil {
		t.Fatal(err)
	}
	if applied != nil || restart != nil {
		t.Errorf("changes reported for an unchanged file: %q, %q", applied, restart)
	}
	for _, name := range []string{"a", "b"} {
		if st, err := g.Deliveries().Status(name); err != nil || st.RecordsDelivered != 10 {
			t.Errorf("%s after the reload: delivered %d (%v), want 10", name, st.RecordsDelivered, err)
		}
		if n := logs.count("delivery started", "delivery="+name); n != 1 {
			t.Errorf("%s started %d times", name, n)
		}
	}
}

// Changing one delivery restarts that one only, and the report says so.
func TestReloadRestartsTheChangedDelivery(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	g, logs, reparse := startLogged(t, twoFileDeliveries(dirA, dirB, "0s"))
	s, _ := g.Store().Stream("sensors")
	putN(t, s, 0, 10)
	waitFor(t, "10 records delivered by each", func() bool {
		a, _ := g.Deliveries().Status("a")
		b, _ := g.Deliveries().Status("b")
		return a.RecordsDelivered == 10 && b.RecordsDelivered == 10
	})
	applied, restart, err := g.Reload(reparse(twoFileDeliveries(dirA, dirB, "1s")))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"deliveries: b changed: buffer"}; !slices.Equal(applied, want) || restart != nil {
		t.Errorf("report %q, %q; want %q", applied, restart, want)
	}
	if st, _ := g.Deliveries().Status("a"); st.RecordsDelivered != 10 || logs.count("delivery started", "delivery=a") != 1 {
		t.Errorf("a was restarted: delivered %d, started %d times", st.RecordsDelivered, logs.count("delivery started", "delivery=a"))
	}
	if n := logs.count("delivery started", "delivery=b"); n != 2 {
		t.Errorf("b started %d times, want 2", n)
	}
	if spec, _ := g.Deliveries().Spec("b"); spec.BufferInterval.Seconds() != 1 {
		t.Errorf("b runs with buffer interval %s", spec.BufferInterval)
	}
}
