package gateway

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// A canceled start returns the context's error and leaves nothing open: the
// same data directory opens again at once (bbolt would wait on its lock).
func TestStartHonoursItsContext(t *testing.T) {
	cfg := testConfig(t, "streams:\n  - name: s\n")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g := New(cfg, testLogger(), "test")
	err := g.Start(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Start with a canceled context: %v", err)
	}
	startAgain(t, cfg.DataDir)
}

// A start that fails half way (the HTTP port is taken, after the store and
// the deliveries are up) closes what it opened.
func TestFailedStartTearsDown(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := testConfig(t, "streams:\n  - name: s\ndeliveries:\n  - name: d\n    from: s\n    to: {type: file, dir: "+t.TempDir()+"}\n")
	cfg.Listen.HTTP = busy.Addr().String()
	g := New(cfg, testLogger(), "test")
	err = g.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "listen.http") {
		t.Fatalf("Start on a busy port: %v", err)
	}
	if len(g.Deliveries().Names()) != 0 {
		t.Fatalf("deliveries still running after a failed start: %v", g.Deliveries().Names())
	}
	startAgain(t, cfg.DataDir)
}

// startAgain starts a gateway on dir within a few seconds, which only works
// when no other gateway holds it.
func startAgain(t *testing.T, dir string) {
	t.Helper()
	cfg := testConfig(t, "")
	cfg.DataDir = dir
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	g := New(cfg, testLogger(), "test")
	go func() { done <- g.Start(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("starting again on the same data directory: %v", err)
		}
		g.Shutdown(context.Background())
	case <-time.After(10 * time.Second):
		t.Fatal("starting again on the same data directory hangs: the first gateway left it open")
	}
}
