package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunExitsCleanlyOnSIGTERM runs `tidegate run` as a process, as an init system would.
func TestRunExitsCleanlyOnSIGTERM(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "nested", "data")
	cmd := tidegate(t, "run", "--http", "127.0.0.1:0", "--mqtt", "127.0.0.1:0", "--data-dir", dataDir, "--log-format", "text")
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

// TestRunUnderSystemd runs `tidegate run --config FILE` as systemd would: it
// must send READY=1 once listening, WATCHDOG=1 from its health loop, reload
// streams on SIGHUP, and send STOPPING=1 on SIGTERM before exiting cleanly.
func TestRunUnderSystemd(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cfgFile := filepath.Join(dir, "tidegate.yaml")
	port := freePort(t)
	write := func(streams string) {
		body := "data_dir: " + filepath.Join(dir, "data") + "\nlisten:\n  http: 127.0.0.1:" + port + "\nmqtt:\n  listen: 127.0.0.1:0\nstreams:\n" + streams
		if err := os.WriteFile(cfgFile, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("  - name: first\n")
	cmd := tidegate(t, "run", "--config", cfgFile, "--log-format", "json")
	cmd.Env = append(cmd.Env, "NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=200000")
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	expect := func(prefix string) {
		t.Helper()
		buf := make([]byte, 512)
		for {
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			n, err := conn.Read(buf)
			if err != nil {
				t.Fatalf("waiting for %s: %v", prefix, err)
			}
			if strings.HasPrefix(string(buf[:n]), prefix) {
				return
			}
		}
	}
	expect("READY=1")
	expect("WATCHDOG=1") // every 100 ms, half of WatchdogSec
	endpoint := "http://127.0.0.1:" + port
	if out := cli(t, endpoint, "", "streams", "ls"); !strings.Contains(out, "first") {
		t.Fatalf("streams at start: %q", out)
	}
	write("  - name: first\n  - name: second\n    shards: 3\n")
	cmd.Process.Signal(syscall.SIGHUP)
	expect("RELOADING=1")
	expect("READY=1")
	if out := cli(t, endpoint, "", "streams", "ls"); !strings.Contains(out, "second") {
		t.Fatalf("streams after SIGHUP: %q", out)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	expect("STOPPING=1")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}
