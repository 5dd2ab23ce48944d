//go:build unix

package transform

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tidegate/tidegate/uplink"
)

// newUpperCommand runs this test binary as the command (see TestMain).
func newUpperCommand(t *testing.T, mode string, inv Invocation) (*Command, *logRecorder) {
	t.Helper()
	log, rec := newLogRecorder()
	inv.Logger = log
	cfg := CommandConfig{Command: []string{os.Args[0], "-test.run=^$"}, Env: []string{childEnv + "=" + mode}, Invocation: inv}
	c, err := NewCommand(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, rec
}

func TestCommandTransform(t *testing.T) {
	c, logs := newUpperCommand(t, "upper", Invocation{MaxRecords: 3})
	recs := testRecords("hello", "please drop me", "fail this one", "", "<b>&amp;</b>", "ünïcödé\n", "\x00\xff binary")
	for range 3 { // several calls, one process
		res, err := c.Transform(context.Background(), "to-cloud", recs)
		if err != nil {
			t.Fatal(err)
		}
		checkUpper(t, recs, res)
	}
	if n := len(logs.find("transform command started")); n != 1 {
		t.Fatalf("%d starts, want one long-lived process", n)
	}
	if len(logs.find("INFO", "transform command stderr", "upper child ready", "pid=")) != 1 {
		t.Fatalf("the command's stderr is not logged: %q", logs.find(""))
	}
}

func TestCommandRestarts(t *testing.T) {
	for _, tc := range []struct {
		name    string
		data    string
		timeout time.Duration
		// interfere, when set, runs while the bad event is in flight
		interfere func(t *testing.T, c *Command, pid int)
	}{
		{name: "crash", data: "crash now"},
		{name: "no answer in time", data: "hang", timeout: 300 * time.Millisecond},
		{name: "garbage answer", data: "garbage"},
		{name: "killed mid-run", data: "slow", interfere: func(t *testing.T, c *Command, pid int) {
			time.Sleep(100 * time.Millisecond)
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Error(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, logs := newUpperCommand(t, "upper", Invocation{Timeout: cmpOrDuration(tc.timeout, 10*time.Second)})
			good := testRecords("fine", "also fine")
			if _, err := c.Transform(context.Background(), "d", good); err != nil {
				t.Fatal(err)
			}
			first := c.pid()

			var wg sync.WaitGroup
			if tc.interfere != nil {
				wg.Go(func() { tc.interfere(t, c, first) })
			}
			start := time.Now()
			res, err := c.Transform(context.Background(), "d", testRecords("ok", tc.data))
			wg.Wait()
			if err == nil || res != nil {
				t.Fatalf("got %v, want an error", res)
			}
			if !strings.Contains(err.Error(), "command") {
				t.Fatalf("error %v does not name the command", err)
			}
			if tc.timeout > 0 && time.Since(start) > tc.timeout+5*time.Second {
				t.Fatalf("the timeout did not end the call (%s)", time.Since(start))
			}

			// The next call runs on a new process.
			res, err = c.Transform(context.Background(), "d", good)
			if err != nil {
				t.Fatal(err)
			}
			checkUpper(t, good, res)
			if second := c.pid(); second == first || second == 0 {
				t.Fatalf("pid %d after a restart, was %d", second, first)
			}
			if syscall.Kill(first, 0) == nil {
				t.Fatalf("the first process (%d) is still alive", first)
			}
			if len(logs.find("WARN", "transform command exited; restarting", "pid=")) == 0 {
				t.Fatal("the exit is not logged")
			}
		})
	}
}

// A command that keeps exiting is restarted with a growing backoff, not in
// a tight loop.
func TestCommandRestartBackoff(t *testing.T) {
	c, logs := newUpperCommand(t, "exit", Invocation{Timeout: 300 * time.Millisecond})
	_, err := c.Transform(context.Background(), "d", testRecords("a"))
	if err == nil {
		t.Fatal("a command that exits at once transformed records")
	}
	time.Sleep(time.Second)
	// 100 ms, 200 ms, 400 ms, 800 ms: about five starts in 1.3 s; a tight
	// loop would make hundreds.
	if n := len(logs.find("transform command started")); n < 2 || n > 8 {
		t.Fatalf("%d starts in 1.3 s, want a backoff", n)
	}
}

func TestCommandClose(t *testing.T) {
	c, _ := newUpperCommand(t, "upper", Invocation{})
	if _, err := c.Transform(context.Background(), "d", testRecords("a")); err != nil {
		t.Fatal(err)
	}
	pid := c.pid()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if syscall.Kill(pid, 0) == nil {
		t.Fatalf("process %d alive after Close", pid)
	}
	if _, err := c.Transform(context.Background(), "d", testRecords("a")); !errors.Is(err, uplink.ErrClosed) {
		t.Fatalf("Transform after Close: %v, want ErrClosed", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

// Close stops a command even while an event is in flight.
func TestCommandCloseWhileBusy(t *testing.T) {
	c, _ := newUpperCommand(t, "upper", Invocation{})
	errc := make(chan error, 1)
	go func() {
		_, err := c.Transform(context.Background(), "d", testRecords("hang"))
		errc <- err
	}()
	eventually(t, "the process", func() bool { return c.pid() != 0 })
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	c.Close()
	if err := <-errc; err == nil {
		t.Fatal("the call in flight succeeded")
	}
	if time.Since(start) > stopGrace+5*time.Second {
		t.Fatalf("Close took %s", time.Since(start))
	}
}

func TestCommandCallerContext(t *testing.T) {
	c, _ := newUpperCommand(t, "upper", Invocation{})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := c.Transform(ctx, "d", testRecords("hang")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the caller's deadline", err)
	}
}

func TestNewCommandMissingProgram(t *testing.T) {
	_, err := NewCommand(CommandConfig{Command: []string{"/nonexistent/transform"}})
	if !errors.Is(err, uplink.ErrConfig) {
		t.Fatalf("got %v, want ErrConfig", err)
	}
}

func cmpOrDuration(a, b time.Duration) time.Duration {
	if a != 0 {
		return a
	}
	return b
}

// Deliveries may share a command: their events take turns.
func TestCommandConcurrentCalls(t *testing.T) {
	c, logs := newUpperCommand(t, "upper", Invocation{})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 5 {
				recs := testRecords(fmt.Sprintf("caller %d call %d", g, i), "drop", "x")
				res, err := c.Transform(context.Background(), "d", recs)
				if err != nil {
					t.Error(err)
					return
				}
				for j, r := range res {
					if j == 0 && string(r.Data) != strings.ToUpper(string(recs[0].Data)) {
						t.Errorf("caller %d got %q", g, r.Data)
					}
				}
			}
		})
	}
	wg.Wait()
	if n := len(logs.find("transform command started")); n != 1 {
		t.Fatalf("%d starts, want 1", n)
	}
}
