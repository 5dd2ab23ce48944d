package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunExitsCleanlyOnSIGTERM runs `tidegate run` as a process, as an init system would.
func TestRunExitsCleanlyOnSIGTERM(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "nested", "data")
	cmd := tidegate(t, "run", "--http", "127.0.0.1:0", "--mqtt", "127.0.0.1:0", "--rtsp", "127.0.0.1:0", "--data-dir", dataDir, "--log-format", "text")
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
		body := "data_dir: " + filepath.Join(dir, "data") + "\nlisten:\n  http: 127.0.0.1:" + port + "\nmqtt:\n  listen: 127.0.0.1:0\nrtsp: {listen: \"-\"}\nstreams:\n" + streams
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

// TestRunReloadReport sends SIGHUP to `tidegate run` as an operator would:
// an unchanged file changes nothing (a running file delivery is not started
// again), and a new log.format is applied to the lines that follow, the
// report naming it.
func TestRunReloadReport(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "tidegate.yaml")
	write := func(format string) {
		body := "data_dir: " + filepath.Join(dir, "data") + "\nlog: {format: " + format + "}\nlisten: {http: 127.0.0.1:0}\nmqtt: {listen: \"-\"}\nrtsp: {listen: \"-\"}\n" +
			"streams: [{name: sensors}]\ndeliveries:\n  - {name: to-disk, from: sensors, to: {type: file, dir: " + filepath.Join(dir, "out") + "}}\n"
		if err := os.WriteFile(cfgFile, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("text")
	cmd := tidegate(t, "run", "--config", cfgFile)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	// next returns the first line holding msg, and every line read on the way.
	next := func(msg string) (string, []string) {
		t.Helper()
		var seen []string
		timeout := time.After(20 * time.Second)
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					t.Fatalf("stderr ended before %q; read:\n%s", msg, strings.Join(seen, "\n"))
				}
				seen = append(seen, line)
				if strings.Contains(line, msg) {
					return line, seen
				}
			case <-timeout:
				t.Fatalf("no %q in:\n%s", msg, strings.Join(seen, "\n"))
			}
		}
	}
	if line, _ := next("tidegate listening"); !strings.HasPrefix(line, "time=") {
		t.Fatalf("not a text line: %q", line)
	}

	cmd.Process.Signal(syscall.SIGHUP)
	line, seen := next("reload: ")
	if !strings.Contains(line, "reload: nothing changed") {
		t.Errorf("unchanged file: %q", line)
	}
	for _, l := range seen {
		if strings.Contains(l, "delivery started") {
			t.Errorf("an unchanged delivery was started again: %q", l)
		}
	}

	write("json")
	cmd.Process.Signal(syscall.SIGHUP)
	line, _ = next("reload: ")
	var rec struct {
		Msg     string   `json:"msg"`
		Changes []string `json:"changes"`
	}
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		t.Fatalf("after log.format: json the report is not JSON: %q", line)
	}
	if rec.Msg != "reload: applied" || !slices.Contains(rec.Changes, "log.format: text → json") {
		t.Errorf("report %+v", rec)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	for range lines {
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}
