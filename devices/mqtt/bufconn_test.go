package mqtt

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// countingConn counts the writes that reach the socket.
type countingConn struct {
	net.Conn
	mu     sync.Mutex
	writes int
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.writes++
	c.mu.Unlock()
	time.Sleep(time.Millisecond) // a slow socket: writes queue up behind it
	return c.Conn.Write(p)
}

func TestBufConnCoalescesWritesAndKeepsOrder(t *testing.T) {
	a, b := net.Pipe()
	cc := &countingConn{Conn: a}
	bc := newBufConn(cc)
	var got bytes.Buffer
	done := make(chan struct{})
	go func() { io.Copy(&got, b); close(done) }()
	var want bytes.Buffer
	for i := 0; i < 2000; i++ {
		p := []byte{0x40, 2, byte(i >> 8), byte(i)} // a PUBACK
		want.Write(p)
		if _, err := bc.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := bc.Close(); err != nil {
		t.Fatal(err)
	}
	<-done
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("bytes differ: %d written, %d read", want.Len(), got.Len())
	}
	if cc.writes > 200 {
		t.Errorf("%d socket writes for 2000 packets: not coalesced", cc.writes)
	}
}

func TestBufConnReportsAWriteErrorOnTheNextWrite(t *testing.T) {
	a, b := net.Pipe()
	b.Close()
	bc := newBufConn(a)
	bc.Write([]byte("x"))
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := bc.Write([]byte("y"))
		if err != nil {
			if !errors.Is(err, io.ErrClosedPipe) {
				t.Errorf("error %v, want the socket's", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a broken connection never reported")
		}
		time.Sleep(time.Millisecond)
	}
	bc.Close()
}

func TestBufConnReadsThroughABuffer(t *testing.T) {
	a, b := net.Pipe()
	bc := newBufConn(a)
	go func() { b.Write([]byte("hello world")); b.Close() }()
	got, _ := io.ReadAll(bc)
	if string(got) != "hello world" {
		t.Errorf("read %q", got)
	}
	bc.Close()
}
