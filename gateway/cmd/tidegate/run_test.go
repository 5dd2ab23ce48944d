package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRequireLoopback(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:8080", true},
		{"127.0.0.2:8080", true},
		{"[::1]:8080", true},
		{"localhost:8080", true},
		{"0.0.0.0:8080", false},
		{":8080", false},
		{"[::]:8080", false},
		{"192.168.1.10:8080", false},
		{"gateway.local:8080", false},
		{"127.0.0.1", false}, // no port
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			err := requireLoopback(tt.addr)
			if (err == nil) != tt.ok {
				t.Fatalf("requireLoopback(%q) = %v, want ok=%v", tt.addr, err, tt.ok)
			}
			var uerr *usageError
			if err != nil && !errors.As(err, &uerr) {
				t.Errorf("error %v is not a usage error (exit 2)", err)
			}
		})
	}
}

func TestHTTPHandler(t *testing.T) {
	tests := []struct {
		method, path string
		wantStatus   int
		wantBody     string
	}{
		{"GET", "/healthz", http.StatusOK, "ok\n"},
		{"HEAD", "/healthz", http.StatusOK, ""},
		{"GET", "/", http.StatusOK, "tidegate " + version},
		{"GET", "/nope", http.StatusNotFound, ""},
		{"POST", "/healthz", http.StatusMethodNotAllowed, ""},
	}
	h := newHTTPHandler()
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			if rec.Code != tt.wantStatus {
				t.Errorf("status %d, want %d", rec.Code, tt.wantStatus)
			}
			if !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("body %q does not contain %q", rec.Body, tt.wantBody)
			}
		})
	}
}

func TestServeStopsWhenContextEnds(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, slog.New(slog.DiscardHandler), ln, t.TempDir()) }()

	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %s", resp.Status)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(2 * shutdownTimeout):
		t.Fatal("serve did not return after its context ended")
	}
}

// TestRunExitsCleanlyOnSIGTERM runs `tidegate run` as a process, as an init system would.
func TestRunExitsCleanlyOnSIGTERM(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "nested", "data")
	cmd := tidegate(t, "run", "--http", "127.0.0.1:0", "--data-dir", dataDir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	lines := bufio.NewScanner(stderr)
	var addr string
	for addr == "" && lines.Scan() {
		line := lines.Text()
		if strings.Contains(line, "tidegate listening") {
			if !strings.Contains(line, "data_dir="+dataDir) {
				t.Errorf("log line %q does not name data dir %s", line, dataDir)
			}
			for f := range strings.FieldsSeq(line) {
				if a, ok := strings.CutPrefix(f, "http="); ok {
					addr = a
				}
			}
		}
	}
	if addr == "" {
		t.Fatalf("no listening line on stderr (scan error: %v)", lines.Err())
	}
	go io.Copy(io.Discard, stderr)

	if fi, err := os.Stat(dataDir); err != nil || !fi.IsDir() {
		t.Errorf("data dir not created: %v", err)
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGTERM: %v", err)
	}
}
