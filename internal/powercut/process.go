//go:build linux && !arm && !386 && !mips && !mipsle

package powercut

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// child is a running workload child, seen from the parent.
type child struct {
	cmd    *exec.Cmd
	stderr strings.Builder
	done   chan struct{} // closed when its output is read to the end
	line   chan struct{} // signalled on each acknowledgement

	mu   sync.Mutex
	acks []string
	errs []string
}

func startChild(test, dir string, seed uint64, cycle int) (*child, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("powercut: child: %w", err)
	}
	c := &child{done: make(chan struct{}), line: make(chan struct{}, 1)}
	c.cmd = exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.timeout=3m")
	c.cmd.Env = append(os.Environ(),
		envDir+"="+dir,
		envSeed+"="+strconv.FormatUint(seed, 10),
		envCycle+"="+strconv.Itoa(cycle),
	)
	c.cmd.Stdout = w
	c.cmd.Stderr = &c.stderr
	if err := c.cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("powercut: start child %s: %w", test, err)
	}
	w.Close() // the child holds the only write end: EOF when it dies
	go c.read(r)
	return c, nil
}

func (c *child) read(r *os.File) {
	defer close(c.done)
	defer r.Close()
	br := bufio.NewReaderSize(r, 1<<16)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return // a line without its newline was cut short by the kill
		}
		line = strings.TrimSuffix(line, "\n")
		c.mu.Lock()
		switch {
		case strings.HasPrefix(line, "A "):
			c.acks = append(c.acks, line[2:])
		case strings.HasPrefix(line, "ERR "):
			c.errs = append(c.errs, line[4:])
		}
		c.mu.Unlock()
		select {
		case c.line <- struct{}{}:
		default:
		}
	}
}

// waitAcks waits for n acknowledgements, the child's end or the timeout.
func (c *child) waitAcks(n int, timeout time.Duration) {
	deadline := time.After(timeout)
	for {
		c.mu.Lock()
		got := len(c.acks)
		c.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-c.line:
		case <-c.done:
			return
		case <-deadline:
			return
		}
	}
}

// waitExit waits for d or the child's end.
func (c *child) waitExit(d time.Duration) {
	select {
	case <-time.After(d):
	case <-c.done:
	}
}

// kill sends SIGKILL, reaps the child and reads its output to the end. It
// returns the child's errors, or that it ended on its own.
func (c *child) kill() error {
	syscall.Kill(c.cmd.Process.Pid, syscall.SIGKILL)
	err := c.cmd.Wait()
	<-c.done
	if len(c.errs) > 0 {
		return fmt.Errorf("child: %s\nstderr:\n%s", strings.Join(c.errs, "\nchild: "), c.stderr.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return fmt.Errorf("child ended on its own (%v), not by SIGKILL\nstderr:\n%s", err, c.stderr.String())
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		return fmt.Errorf("child ended on its own (%v), not by SIGKILL\nstderr:\n%s", err, c.stderr.String())
	}
	return nil
}
