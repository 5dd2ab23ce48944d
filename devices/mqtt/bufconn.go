package mqtt

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// bufConn buffers an external broker connection in both directions. paho v1
// reads each packet with three or four small reads (fixed header, remaining
// length, body) and writes each PUBACK with its own write, straight on the
// socket: five system calls per message, which made one subscription top
// out near 30,000 messages/s against Mosquitto. Reads go through a bufio
// reader; writes are queued and written by a flusher goroutine, so the
// PUBACKs of a group commit leave in one write.
type bufConn struct {
	net.Conn
	r *bufio.Reader

	mu      sync.Mutex
	cond    *sync.Cond
	buf     []byte // waiting to be written
	spare   []byte
	err     error // the first write error; every later Write returns it
	closing bool
	done    chan struct{} // closed when the flusher has stopped
}

// maxPendingWrite bounds what Write queues before it waits for the flusher.
const maxPendingWrite = 256 << 10

func newBufConn(c net.Conn) *bufConn {
	b := &bufConn{Conn: c, r: bufio.NewReaderSize(c, 64<<10), done: make(chan struct{})}
	b.cond = sync.NewCond(&b.mu)
	go b.flush()
	return b
}

func (b *bufConn) Read(p []byte) (int, error) { return b.r.Read(p) }

// Write queues p and returns; an error of an earlier write is returned
// instead, so paho notices a broken connection on its next packet.
func (b *bufConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.err == nil && !b.closing && len(b.buf) >= maxPendingWrite {
		b.cond.Wait()
	}
	if b.err != nil {
		return 0, b.err
	}
	if b.closing {
		return 0, net.ErrClosed
	}
	b.buf = append(b.buf, p...)
	b.cond.Broadcast()
	return len(p), nil
}

// flush writes whatever has been queued, one write for all of it.
func (b *bufConn) flush() {
	defer close(b.done)
	b.mu.Lock()
	for {
		for len(b.buf) == 0 && !b.closing && b.err == nil {
			b.cond.Wait()
		}
		if b.err != nil || len(b.buf) == 0 {
			b.mu.Unlock()
			return
		}
		out := b.buf
		b.buf, b.spare = b.spare[:0], nil
		b.mu.Unlock()
		_, err := b.Conn.Write(out)
		b.mu.Lock()
		b.spare = out[:0]
		if err != nil && b.err == nil {
			b.err = err
		}
		b.cond.Broadcast()
	}
}

// Close writes what is queued (within a second), then closes.
func (b *bufConn) Close() error {
	b.mu.Lock()
	b.closing = true
	b.cond.Broadcast()
	b.mu.Unlock()
	select {
	case <-b.done:
	case <-time.After(time.Second):
	}
	return b.Conn.Close()
}

// openBuffered opens a connection to an external broker as paho would
// (netconn.go, openConnection) and buffers it. Websockets are left to paho's
// own framing, unbuffered. Unlike paho it ignores the all_proxy variable:
// a gateway reaches its brokers directly.
func openBuffered(uri *url.URL, o paho.ClientOptions) (net.Conn, error) {
	d := &net.Dialer{Timeout: 30 * time.Second}
	if o.Dialer != nil {
		dd := *o.Dialer
		d = &dd
	}
	if o.ConnectTimeout > 0 {
		d.Timeout = o.ConnectTimeout
	}
	var c net.Conn
	var err error
	switch uri.Scheme {
	case "mqtt", "tcp":
		c, err = d.Dial("tcp", uri.Host)
	case "ssl", "tls", "mqtts", "mqtt+ssl", "tcps":
		c, err = tls.DialWithDialer(d, "tcp", uri.Host, o.TLSConfig)
	case "unix":
		path := uri.Host
		if path == "" {
			path = uri.Path
		}
		c, err = d.Dial("unix", path)
	case "ws", "wss":
		u := *uri
		u.User = nil
		var tc *tls.Config
		if uri.Scheme == "wss" {
			tc = o.TLSConfig
		}
		return paho.NewWebsocket(u.String(), tc, o.ConnectTimeout, o.HTTPHeaders, o.WebsocketOptions)
	default:
		return nil, errors.New("unknown protocol " + uri.Scheme)
	}
	if err != nil {
		return nil, fmt.Errorf("mqtt: dial %s: %w", uri.Host, err)
	}
	return newBufConn(c), nil
}
