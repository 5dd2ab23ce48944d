package transform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"sync"
	"time"

	"github.com/tidegate/tidegate/uplink"
)

var (
	_ uplink.Transformer      = (*Command)(nil)
	_ uplink.TransformRetrier = (*Command)(nil)
)

// Restart backoff of a command that exits: it doubles from minRestart to
// maxRestart, and starts over once a run has answered an event or lasted
// healthyRun.
const (
	minRestart = 100 * time.Millisecond
	maxRestart = 30 * time.Second
	healthyRun = time.Minute
	// stopGrace is how long Close lets the command finish after its stdin
	// ends.
	stopGrace = 2 * time.Second
)

// Command is a transform run as a long-lived local process that reads one
// event per line of JSON on stdin and writes one answer per line on stdout,
// so it is started once, not forked per batch. It is restarted, with
// backoff, whenever it exits; its stderr goes to the log. Events are handed
// to it one at a time.
//
// Lock order: calls, then a process's busy; mu is held alone.
type Command struct {
	cfg       Invocation
	argv, env []string
	name      string
	maxAnswer int
	log       *slog.Logger

	// calls serializes invocations: the process answers one at a time.
	calls sync.Mutex

	mu      sync.Mutex
	cur     *process      // the running process, nil between runs
	changed chan struct{} // closed and replaced when cur changes or on Close
	closed  bool

	ctx    context.Context // the supervisor's life
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewCommand validates cfg, checks that the program exists, and starts it.
func NewCommand(cfg CommandConfig) (*Command, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.CheckEnvironment(); err != nil {
		return nil, err
	}
	cfg.Invocation = cfg.Invocation.withDefaults()
	c := &Command{
		cfg:       cfg.Invocation,
		argv:      cfg.Command,
		env:       cfg.Env,
		name:      cfg.Command[0],
		maxAnswer: max(DefaultMaxPayload, 2*cfg.MaxPayload),
		log:       cfg.Logger.With("transform", "command", "command", cfg.Command[0]),
		changed:   make(chan struct{}),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.wg.Add(1)
	go c.supervise()
	return c, nil
}

// Transform hands recs to the command in as many events as max_records and
// max_payload require.
func (c *Command) Transform(ctx context.Context, delivery string, recs []uplink.TransformRecord) ([]uplink.TransformResult, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	return run(ctx, c.cfg, c.log, delivery, recs, c.invoke)
}

// Retries is how many times the delivery calls again after a failed call.
func (c *Command) Retries() int { return c.cfg.retries() }

// Close ends the command (EOF on its stdin, then a kill after 2 s) and
// waits for it.
func (c *Command) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.notifyLocked()
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
	return nil
}

// invoke exchanges one event with the running process, waiting for one to
// be running, all within the timeout, and reads the answer. A process that
// misses the timeout, breaks the exchange or answers with something else
// than the response JSON is killed: what it writes next could be taken for
// the next event's answer. The supervisor restarts it.
func (c *Command) invoke(ctx context.Context, event []byte, chunk []uplink.TransformRecord) ([]uplink.TransformResult, []problem, error) {
	c.calls.Lock()
	defer c.calls.Unlock()
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()

	p, err := c.running(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("command %s is not running: %w", c.name, err)
	}
	p.busy.Lock()
	defer p.busy.Unlock()
	type result struct {
		answer []byte
		err    error
	}
	done := make(chan result, 1)
	go func() {
		a, err := p.exchange(event, c.maxAnswer)
		done <- result{a, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			p.kill()
			return nil, nil, fmt.Errorf("command %s (pid %d): %w", c.name, p.pid, r.err)
		}
		res, problems, err := parseResponse(r.answer, chunk)
		if err != nil {
			p.kill()
			return nil, nil, fmt.Errorf("command %s (pid %d) killed: %w", c.name, p.pid, err)
		}
		p.served.Add(1)
		return res, problems, nil
	case <-ctx.Done():
		p.kill()
		<-done // the kill closed the pipes: the exchange returns
		return nil, nil, fmt.Errorf("command %s (pid %d) killed: no answer: %w", c.name, p.pid, ctx.Err())
	}
}

// running returns the running process, waiting for one until ctx ends.
func (c *Command) running(ctx context.Context) (*process, error) {
	for {
		c.mu.Lock()
		p, changed, closed := c.cur, c.changed, c.closed
		c.mu.Unlock()
		if closed {
			return nil, uplink.ErrClosed
		}
		if p != nil && p.usable() {
			return p, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// supervise keeps the command running until Close: start, wait for the
// exit, back off, start again.
func (c *Command) supervise() {
	defer c.wg.Done()
	backoff := minRestart
	for {
		p, err := startProcess(c.argv, c.env, c.log)
		if err != nil {
			c.log.Error("transform command did not start", "error", err, "retry_in", backoff)
		} else {
			c.log.Info("transform command started", "pid", p.pid)
			c.publish(p)
			select {
			case <-p.exited:
			case <-c.ctx.Done():
				p.stop(stopGrace)
			}
			c.publish(nil)
			p.busy.Lock() // an exchange in flight ends on the closed output
			p.close()
			p.busy.Unlock()
			if c.ctx.Err() != nil {
				return
			}
			if p.served.Load() > 0 || time.Since(p.started) > healthyRun {
				backoff = minRestart
			}
			c.log.Warn("transform command exited; restarting", "pid", p.pid, "error", exitReason(p.waitErr),
				"served", p.served.Load(), "retry_in", backoff)
		}
		select {
		case <-c.ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxRestart)
	}
}

func (c *Command) publish(p *process) {
	c.mu.Lock()
	c.cur = p
	c.notifyLocked()
	c.mu.Unlock()
}

func (c *Command) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// pid is the running process's, 0 between runs (for tests).
func (c *Command) pid() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == nil {
		return 0
	}
	return c.cur.pid
}

func exitReason(err error) string {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return "exit status 0"
	case errors.As(err, &ee):
		return ee.String()
	}
	return err.Error()
}
