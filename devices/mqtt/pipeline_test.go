package mqtt

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/tidegate/tidegate/shards"
)

// slowWriter delays every Put by a random time, so that later messages are
// often durable before earlier ones, and records which payloads are durable.
type slowWriter struct {
	Writer
	mu      sync.Mutex
	durable map[string]bool
}

// Enqueue queues in order, then waits a random time before marking the
// records durable, so acknowledgements are ready out of order.
func (s *slowWriter) Enqueue(stream string, recs []shards.PutEntry) func(context.Context) error {
	wait := s.Writer.Enqueue(stream, recs)
	return func(ctx context.Context) error {
		time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond)
		if err := wait(ctx); err != nil {
			return err
		}
		s.mu.Lock()
		for _, r := range recs {
			s.durable[string(r.Data)] = true
		}
		s.mu.Unlock()
		return nil
	}
}

func (s *slowWriter) isDurable(payload string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.durable[payload]
}

// rawClient speaks MQTT 3.1.1 over TCP with mochi's encoders, so the test
// sees the PUBACKs in the order they are written.
type rawClient struct {
	conn    net.Conn
	r       *bufio.Reader
	version byte // of the packets it decodes: 4 (MQTT 3.1.1) or 5
}

func dialRaw(t *testing.T, addr, id string) *rawClient {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &rawClient{conn: conn, r: bufio.NewReader(conn), version: 4}
	pk := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Connect}, ProtocolVersion: 4,
		Connect: packets.ConnectParams{ProtocolName: []byte("MQTT"), Clean: true, Keepalive: 30, ClientIdentifier: id}}
	c.write(t, pk)
	if typ, _ := c.read(t); typ != packets.Connack {
		t.Fatalf("got packet type %d, want CONNACK", typ)
	}
	return c
}

func (c *rawClient) write(t *testing.T, pk packets.Packet) {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch pk.FixedHeader.Type {
	case packets.Connect:
		err = pk.ConnectEncode(&buf)
	case packets.Publish:
		err = pk.PublishEncode(&buf)
	case packets.Puback:
		err = pk.PubackEncode(&buf)
	case packets.Subscribe:
		err = pk.SubscribeEncode(&buf)
	case packets.Disconnect:
		err = pk.DisconnectEncode(&buf)
	default:
		err = fmt.Errorf("rawClient: cannot write packet type %d", pk.FixedHeader.Type)
	}
	if err == nil {
		_, err = c.conn.Write(buf.Bytes())
	}
	if err != nil {
		t.Fatal(err)
	}
}

// read returns the next packet's type and body.
func (c *rawClient) read(t *testing.T) (byte, []byte) {
	t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, body, err := c.readRaw()
	if err != nil {
		t.Fatal(err)
	}
	return b >> 4, body
}

// readRaw returns the next packet's first byte and body.
func (c *rawClient) readRaw() (byte, []byte, error) {
	b, err := c.r.ReadByte()
	if err != nil {
		return 0, nil, err
	}
	n, mul := 0, 1
	for {
		d, err := c.r.ReadByte()
		if err != nil {
			return 0, nil, err
		}
		n += int(d&0x7f) * mul
		if d&0x80 == 0 {
			break
		}
		mul *= 128
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(c.r, body); err != nil {
		return 0, nil, err
	}
	return b, body, nil
}

func TestEmbeddedPubacksInOrderAfterDurable(t *testing.T) {
	st := openStore(t)
	sensors := createStream(t, st, "sensors", shards.StreamConfig{Shards: 4})
	w := &slowWriter{Writer: newWriter(t, st), durable: map[string]bool{}}
	svc := startService(t, &Service{Config: Config{Listen: "127.0.0.1:0"}, Writer: w})
	c := dialRaw(t, svc.Broker.Addr(), "pub")

	// More than the window, so that the hook also has to wait.
	const n = ackWindow + 100
	payload := func(id uint16) string { return fmt.Sprintf("m-%d", id) }
	go func() {
		for id := uint16(1); id <= n; id++ {
			var buf bytes.Buffer
			pk := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: 1}, ProtocolVersion: 4,
				TopicName: fmt.Sprintf("streams/sensors/dev-%d", id%7), PacketID: id, Payload: []byte(payload(id))}
			if pk.PublishEncode(&buf) != nil {
				return
			}
			if _, err := c.conn.Write(buf.Bytes()); err != nil {
				return
			}
		}
	}()
	for want := uint16(1); want <= n; want++ {
		typ, body := c.read(t)
		if typ != packets.Puback || len(body) != 2 {
			t.Fatalf("got packet type %d (%x), want PUBACK", typ, body)
		}
		id := uint16(body[0])<<8 | uint16(body[1])
		if id != want {
			t.Fatalf("PUBACK for %d, want %d: not in publish order", id, want)
		}
		if !w.isDurable(payload(id)) {
			t.Fatalf("PUBACK for %d before its record was durable", id)
		}
	}
	if got := len(readAll(t, sensors)); got != n {
		t.Fatalf("stored %d records, want %d", got, n)
	}
}

func TestEmbeddedRoutesStoredMessages(t *testing.T) {
	st := openStore(t)
	createStream(t, st, "sensors", shards.StreamConfig{Shards: 1})
	svc := startService(t, &Service{Config: Config{Listen: "127.0.0.1:0"}, Writer: newWriter(t, st)})
	addr := svc.Broker.Addr()

	got := make(chan string, 100)
	sub := publisher(t, addr, "sub")
	if tk := sub.Subscribe("streams/#", 1, func(_ paho.Client, m paho.Message) {
		got <- fmt.Sprintf("%s %s retained=%v", m.Topic(), m.Payload(), m.Retained())
	}); !tk.WaitTimeout(5*time.Second) || tk.Error() != nil {
		t.Fatalf("subscribe: %v", tk.Error())
	}

	pub := publisher(t, addr, "pub")
	var want []string
	for i := range 20 {
		qos := byte(i % 3)
		if tk := pub.Publish("streams/sensors/dev-1", qos, false, fmt.Sprint(i)); !tk.WaitTimeout(5*time.Second) || tk.Error() != nil {
			t.Fatalf("publish %d: %v", i, tk.Error())
		}
		want = append(want, fmt.Sprintf("streams/sensors/dev-1 %d retained=false", i))
	}
	if tk := pub.Publish("streams/sensors/dev-2", 1, true, "last"); !tk.WaitTimeout(5*time.Second) || tk.Error() != nil {
		t.Fatalf("publish retained: %v", tk.Error())
	}
	// A live subscriber gets a retained message as a plain one (MQTT 3.1.1 §3.3.1.3).
	want = append(want, "streams/sensors/dev-2 last retained=false")
	for i, w := range want {
		select {
		case m := <-got:
			if m != w {
				t.Fatalf("message %d: got %q, want %q", i, m, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("message %d (%q) not routed", i, w)
		}
	}

	late := make(chan string, 1)
	sub2 := publisher(t, addr, "late")
	sub2.Subscribe("streams/sensors/dev-2", 1, func(_ paho.Client, m paho.Message) {
		late <- fmt.Sprintf("%s retained=%v", m.Payload(), m.Retained())
	})
	select {
	case m := <-late:
		if m != "last retained=true" {
			t.Fatalf("late subscriber got %q", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("retained message not delivered to a late subscriber")
	}
}
