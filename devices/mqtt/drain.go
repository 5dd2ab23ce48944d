package mqtt

import (
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mochi-mqtt/server/v2/listeners"
)

// drainListener hands mochi its clients' connections as drainConns, so
// that a session takeover can let the old connection finish reading what
// its client sent before it connected again (takeover.go).
type drainListener struct{ listeners.Listener }

// Serve implements listeners.Listener.
func (l drainListener) Serve(establish listeners.EstablishFn) {
	l.Listener.Serve(func(id string, c net.Conn) error { return establish(id, newDrainConn(c)) })
}

// drainIdle is how long a draining connection waits for more of what its
// client sent before it counts as drained. What a client sent before it
// reconnected is normally in the socket already; this covers a slow link.
const drainIdle = 100 * time.Millisecond

// drainConn is a client connection that can be drained: once drain is
// called, mochi's read loop goes on processing what arrives, and the
// first read that finds nothing for drainIdle marks the connection
// drained and then waits, without returning, until the connection is
// closed. Everything the client sent up to then has been processed, and
// the connection is still open for mochi to tell a v5 client why it ends
// (DISCONNECT 0x8E, session taken over).
type drainConn struct {
	net.Conn

	mu       sync.Mutex
	draining bool
	held     atomic.Bool   // drained and waiting to be closed: the connection is live
	drained  chan struct{} // closed once drained or closed
	closed   chan struct{} // closed by Close
	once     sync.Once     // closes drained
	shut     sync.Once     // closes closed
}

func newDrainConn(c net.Conn) *drainConn {
	return &drainConn{Conn: c, drained: make(chan struct{}), closed: make(chan struct{})}
}

// drainedWait bounds how long a drained connection waits to be closed by
// the takeover that drained it.
const drainedWait = 10 * time.Second

// Read implements net.Conn.
func (c *drainConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	if c.draining {
		_ = c.Conn.SetReadDeadline(time.Now().Add(drainIdle))
	}
	c.mu.Unlock()
	n, err := c.Conn.Read(p)
	if err == nil {
		return n, nil
	}
	c.mu.Lock()
	draining := c.draining
	c.mu.Unlock()
	held := draining && errors.Is(err, os.ErrDeadlineExceeded)
	c.held.Store(held)
	c.once.Do(func() { close(c.drained) })
	if held {
		// Drained: hold the read loop until the takeover closes the
		// connection, so mochi does not end it first.
		select {
		case <-c.closed:
		case <-time.After(drainedWait):
		}
		return n, net.ErrClosed
	}
	return n, err
}

// SetDeadline implements net.Conn; while draining, reads keep drainIdle.
func (c *drainConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.draining {
		return c.Conn.SetWriteDeadline(t)
	}
	return c.Conn.SetDeadline(t)
}

// SetReadDeadline implements net.Conn; while draining, reads keep drainIdle.
func (c *drainConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.draining {
		return nil
	}
	return c.Conn.SetReadDeadline(t)
}

// Close implements net.Conn.
func (c *drainConn) Close() error {
	c.shut.Do(func() { close(c.closed) })
	c.once.Do(func() { close(c.drained) })
	return c.Conn.Close()
}

// drain starts draining and returns a channel closed once the connection
// is drained (or closed).
func (c *drainConn) drain() <-chan struct{} {
	c.mu.Lock()
	if !c.draining {
		c.draining = true
		_ = c.Conn.SetReadDeadline(time.Now().Add(drainIdle))
	}
	c.mu.Unlock()
	return c.drained
}
