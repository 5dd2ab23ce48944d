package mqtt

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/tidegate/tidegate/devices/mqtt/mqtttest"
)

// The three defects of a resumed session that a Mosquitto user met
// (issue 15): acknowledged messages came back, queued messages came with
// DUP set, and the session's subscription could not be renewed.

// resumeBroker starts the embedded broker as the gateway runs it: with a
// session store, where every PUBACK of a persistent session is a write.
func resumeBroker(t *testing.T, dir string) (addr string, svc *Service) {
	t.Helper()
	st := openStore(t)
	addr = freeAddr(t)
	svc = &Service{Writer: newWriter(t, st), Config: Config{Listen: addr, SessionDir: dir}}
	if err := svc.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	return addr, svc
}

func dialRawT(t *testing.T, addr, id string, clean bool) (*mqtttest.Conn, packets.Packet) {
	t.Helper()
	c, err := mqtttest.Dial(addr, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ack, err := c.Connect(packets.Packet{Connect: packets.ConnectParams{ClientIdentifier: id, Clean: clean, Keepalive: 30}})
	if err != nil {
		t.Fatal(err)
	}
	return c, ack
}

func sendT(t *testing.T, c *mqtttest.Conn, pk packets.Packet) {
	t.Helper()
	if err := c.Send(pk); err != nil {
		t.Fatal(err)
	}
}

// subscribeT subscribes to alerts/# at QoS 1 under packet identifier 1, as
// mosquitto_sub does, and returns the SUBACK and what came before it.
func subscribeT(t *testing.T, c *mqtttest.Conn) (packets.Packet, []packets.Packet) {
	t.Helper()
	ack, held, err := c.Subscribe(1, packets.Subscription{Filter: "alerts/#", Qos: 1})
	if err != nil {
		t.Fatal(err)
	}
	return ack, held
}

// publishN publishes n QoS 1 messages m1…mn to alerts/a and waits for
// their PUBACKs.
func publishN(t *testing.T, addr string, from, n int) {
	t.Helper()
	c, _ := dialRawT(t, addr, fmt.Sprintf("pub-%d", from), true)
	for i := from; i < from+n; i++ {
		sendT(t, c, packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: 1}, PacketID: uint16(i),
			TopicName: "alerts/a", Payload: fmt.Appendf(nil, "m%d", i)})
		if pk, err := c.Next(5 * time.Second); err != nil || pk.FixedHeader.Type != packets.Puback {
			t.Fatalf("publish m%d: %v (packet type %d)", i, err, pk.FixedHeader.Type)
		}
	}
	sendT(t, c, packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Disconnect}})
}

// collect returns the PUBLISHes that arrive until none comes for quiet.
func collect(t *testing.T, c *mqtttest.Conn, held []packets.Packet, quiet time.Duration) []packets.Packet {
	t.Helper()
	var got []packets.Packet
	for _, pk := range held {
		if pk.FixedHeader.Type == packets.Publish {
			got = append(got, pk)
		}
	}
	for {
		pk, err := c.Next(quiet)
		if errors.Is(err, mqtttest.ErrTimeout) {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
		if pk.FixedHeader.Type == packets.Publish {
			got = append(got, pk)
		}
	}
}

// offlineQueue makes a persistent session for s2 on alerts/# and queues n
// messages for it while it is away.
func offlineQueue(t *testing.T, addr string, n int) {
	t.Helper()
	c, _ := dialRawT(t, addr, "s2", false)
	subscribeT(t, c)
	sendT(t, c, packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Disconnect}})
	c.Close()
	time.Sleep(50 * time.Millisecond)
	publishN(t, addr, 1, n)
}

// A subscriber that acknowledges its queued messages, disconnects and
// reconnects at once gets none of them again (mochi copied the session
// while the old connection was still reading the PUBACKs: 17 of 20 came
// back).
func TestResumedSessionKeepsAcknowledgements(t *testing.T) {
	addr, _ := resumeBroker(t, t.TempDir())
	offlineQueue(t, addr, 20)
	for round := range 3 {
		c, _ := dialRawT(t, addr, "s2", false)
		_, held := subscribeT(t, c)
		got := collect(t, c, held, 300*time.Millisecond)
		if want := 20; round == 0 && len(got) != want {
			t.Fatalf("first reconnect: %d messages, want %d", len(got), want)
		}
		if round > 0 && len(got) != 0 {
			t.Fatalf("reconnect %d: %d acknowledged messages came back (first %s)", round+1, len(got), got[0].Payload)
		}
		// All acknowledgements and the DISCONNECT in one write, then at once the next connection.
		var b []byte
		for _, pk := range got {
			e, _ := mqtttest.Encode(mqtttest.Ack(pk.PacketID), 4)
			b = append(b, e...)
		}
		b = append(b, 0xe0, 0)
		if err := c.SendRaw(b); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
}

// Messages queued while the subscriber was away arrive with DUP 0; a
// message sent and not acknowledged comes again with DUP 1, also after a
// graceful restart.
func TestResumedSessionSetsDupOnlyOnResends(t *testing.T) {
	dir := t.TempDir()
	addr, svc := resumeBroker(t, dir)
	offlineQueue(t, addr, 3)

	c, _ := dialRawT(t, addr, "s2", false)
	_, held := subscribeT(t, c)
	got := collect(t, c, held, 300*time.Millisecond)
	assertDup(t, "first delivery of messages queued offline", got, 3, false)
	c.Close() // gone without acknowledging

	c, _ = dialRawT(t, addr, "s2", false)
	_, held = subscribeT(t, c)
	got = collect(t, c, held, 300*time.Millisecond)
	assertDup(t, "resent unacknowledged messages", got, 3, true)
	c.Close()

	// Queued while away, the gateway restarted gracefully in between.
	time.Sleep(50 * time.Millisecond)
	publishN(t, addr, 4, 1)
	svc.Close()
	addr2, _ := resumeBroker(t, dir)
	c, _ = dialRawT(t, addr2, "s2", false)
	_, held = subscribeT(t, c)
	got = collect(t, c, held, 300*time.Millisecond)
	if len(got) != 4 {
		t.Fatalf("after the restart: %d messages, want 4", len(got))
	}
	assertDup(t, "sent before the restart", got[:3], 3, true)
	assertDup(t, "queued offline before the restart", got[3:], 1, false)
}

func assertDup(t *testing.T, what string, got []packets.Packet, n int, dup bool) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("%s: %d messages, want %d", what, len(got), n)
	}
	for _, pk := range got {
		if pk.FixedHeader.Dup != dup {
			t.Errorf("%s: %s (packet id %d) has DUP %v, want %v", what, pk.Payload, pk.PacketID, pk.FixedHeader.Dup, dup)
		}
	}
}

// The client's packet identifiers are its own: a SUBSCRIBE, UNSUBSCRIBE or
// QoS 1 PUBLISH under an identifier that one of the session's queued
// messages holds is answered under it, and the queued message stays
// queued.
func TestClientPacketIDsApartFromSession(t *testing.T) {
	addr, _ := resumeBroker(t, t.TempDir())
	offlineQueue(t, addr, 3)

	c, ack := dialRawT(t, addr, "s2", false)
	if !ack.SessionPresent {
		t.Fatal("CONNACK: no session present")
	}
	sub, held := subscribeT(t, c) // identifier 1, which the first queued message holds
	if sub.PacketID != 1 || len(sub.ReasonCodes) != 1 || sub.ReasonCodes[0] != 1 {
		t.Fatalf("SUBACK id %d codes %v, want id 1 granting QoS 1 [1]", sub.PacketID, sub.ReasonCodes)
	}
	got := collect(t, c, held, 300*time.Millisecond)
	if len(got) != 3 {
		t.Fatalf("%d queued messages, want 3", len(got))
	}
	// A QoS 1 PUBLISH of the client's under identifier 3, held by m3.
	sendT(t, c, packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: 1}, PacketID: 3,
		TopicName: "elsewhere/x", Payload: []byte("x")})
	if pk, err := c.Next(5 * time.Second); err != nil || pk.FixedHeader.Type != packets.Puback || pk.PacketID != 3 {
		t.Fatalf("PUBACK: %v, type %d id %d, want PUBACK id 3", err, pk.FixedHeader.Type, pk.PacketID)
	}
	// UNSUBSCRIBE under identifier 2, held by m2.
	sendT(t, c, packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Unsubscribe, Qos: 1}, PacketID: 2,
		Filters: packets.Subscriptions{{Filter: "nothing/#"}}})
	if pk, err := c.Next(5 * time.Second); err != nil || pk.FixedHeader.Type != packets.Unsuback || pk.PacketID != 2 {
		t.Fatalf("UNSUBACK: %v, type %d id %d, want UNSUBACK id 2", err, pk.FixedHeader.Type, pk.PacketID)
	}
	c.Close() // none of m1…m3 acknowledged

	c, _ = dialRawT(t, addr, "s2", false)
	got = collect(t, c, nil, 300*time.Millisecond)
	if len(got) != 3 {
		t.Fatalf("unacknowledged messages resent: %d, want 3 (m1, m2, m3)", len(got))
	}
}
