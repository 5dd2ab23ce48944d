//go:build linux && !arm && !386 && !mips && !mipsle

package powercut

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"
)

// The environment of a workload child. The child runs only when envDir is
// set.
const (
	envDir   = "TIDEGATE_POWERCUT_CHILD_DIR"
	envSeed  = "TIDEGATE_POWERCUT_CHILD_SEED"
	envCycle = "TIDEGATE_POWERCUT_CHILD_CYCLE"
)

// Child is the side of a power-cut test that runs in the child process: a
// test function that calls StartChild, runs the workload in Dir and
// acknowledges each operation whose durability it promises, until the
// parent kills it.
type Child struct {
	Dir   string // the mount
	Seed  uint64 // seeds the child's randomness
	Cycle int    // which cut this child runs up to, from 1

	mu sync.Mutex
}

// StartChild returns the child's side when this process was started by
// Run; otherwise it skips the test, which runs only under its parent.
func StartChild(t *testing.T) *Child {
	dir := os.Getenv(envDir)
	if dir == "" {
		t.Skip("runs only as the child process of a power-cut test")
	}
	c := &Child{Dir: dir}
	c.Seed, _ = strconv.ParseUint(os.Getenv(envSeed), 10, 64)
	c.Cycle, _ = strconv.Atoi(os.Getenv(envCycle))
	// Never outlive the parent, nor run for ever if it forgets us.
	go func() {
		ppid := os.Getppid()
		deadline := time.Now().Add(2 * time.Minute)
		for time.Now().Before(deadline) && os.Getppid() == ppid {
			time.Sleep(100 * time.Millisecond)
		}
		os.Exit(4)
	}()
	return c
}

func (c *Child) line(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := os.Stdout.WriteString(s + "\n"); err != nil {
		os.Exit(5) // the parent is gone
	}
}

// Ready says the workload has opened its store.
func (c *Child) Ready() { c.line("READY") }

// Ack acknowledges an operation: it is done and, by the store's promise,
// durable. The parent hands the text to the check.
func (c *Child) Ack(format string, args ...any) { c.line("A " + fmt.Sprintf(format, args...)) }

// Fatalf reports an error to the parent and ends the child.
func (c *Child) Fatalf(format string, args ...any) {
	c.line("ERR " + fmt.Sprintf(format, args...))
	os.Exit(3)
}
