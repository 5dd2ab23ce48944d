package fleet

import (
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

// broker is an in-process MQTT broker that records every PUBLISH it accepts.
type broker struct {
	t      *testing.T
	addr   string
	server *mochi.Server
	rec    *recorder
	once   sync.Once
}

// stop closes the broker and every client connection, as a crashed broker would.
func (b *broker) stop() { b.once.Do(func() { b.server.Close() }) }

type recorder struct {
	mochi.HookBase
	mu   sync.Mutex
	msgs map[string][]packets.Packet // by client id
}

func (r *recorder) ID() string { return "recorder" }

// Provides also covers authentication: the recorder lets everyone in (mochi's own allow-all
// hook lives in a package that needs a module go.mod does not list).
func (r *recorder) Provides(b byte) bool {
	return b == mochi.OnPublish || b == mochi.OnConnectAuthenticate || b == mochi.OnACLCheck
}

func (r *recorder) OnConnectAuthenticate(*mochi.Client, packets.Packet) bool { return true }

func (r *recorder) OnACLCheck(*mochi.Client, string, bool) bool { return true }

func (r *recorder) OnPublish(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs[cl.ID] = append(r.msgs[cl.ID], pk.Copy(false))
	return pk, nil
}

func (r *recorder) published(client string) []packets.Packet {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]packets.Packet(nil), r.msgs[client]...)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startBroker serves on addr ("" picks a free port) and stops at the end of the test.
func startBroker(t *testing.T, addr string, rec *recorder) *broker {
	t.Helper()
	if addr == "" {
		addr = freeAddr(t)
	}
	if rec == nil {
		rec = &recorder{msgs: map[string][]packets.Packet{}}
	}
	s := mochi.New(&mochi.Options{InlineClient: true, Logger: discardLogger()})
	if err := s.AddHook(rec, nil); err != nil {
		t.Fatal(err)
	}
	var err error
	for range 50 { // the port may linger briefly after a restart
		if err = s.AddListener(listeners.NewTCP(listeners.Config{ID: "t", Address: addr})); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(); err != nil {
		t.Fatal(err)
	}
	b := &broker{t: t, addr: addr, server: s, rec: rec}
	t.Cleanup(b.stop)
	return b
}

func (b *broker) url() string { return "tcp://" + b.addr }

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
