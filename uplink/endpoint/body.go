package endpoint

import (
	"bytes"
	"io"
	"sync"
	"time"
)

// requestBodies hands the transport readers over a pooled buffer and tells
// when the transport is done with all of them. A RoundTripper may go on
// reading a request body after it returned the response (an endpoint that
// answers 413 before reading everything), and closes it when done: the
// buffer goes back to the pool only then.
type requestBodies struct {
	buf    []byte
	mu     sync.Mutex
	opened []*bodyReader
}

type bodyReader struct {
	*bytes.Reader
	once   sync.Once
	closed chan struct{}
}

func (b *bodyReader) Close() error {
	b.once.Do(func() { close(b.closed) })
	return nil
}

// open returns a new reader over the buffer; it is the request's Body and
// its GetBody (for the transport's replays).
func (rb *requestBodies) open() (io.ReadCloser, error) {
	b := &bodyReader{Reader: bytes.NewReader(rb.buf), closed: make(chan struct{})}
	rb.mu.Lock()
	rb.opened = append(rb.opened, b)
	rb.mu.Unlock()
	return b, nil
}

// released waits up to wait for every reader to be closed, and says
// whether they all were.
func (rb *requestBodies) released(wait time.Duration) bool {
	rb.mu.Lock()
	opened := rb.opened
	rb.mu.Unlock()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for _, b := range opened {
		select {
		case <-b.closed:
		case <-timer.C:
			return false
		}
	}
	return true
}
