package mqtt

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/tidegate/tidegate/devices/mqtt/mqtttest"
)

// What the conformance tests (devices/mqtt/conformance) found mochi doing
// otherwise than Mosquitto, each checked here in process.

func dial5(t *testing.T, addr, id string, clean bool, props packets.Properties) (*mqtttest.Conn, packets.Packet) {
	t.Helper()
	c, err := mqtttest.Dial(addr, 5)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ack, err := c.Connect(packets.Packet{Connect: packets.ConnectParams{ClientIdentifier: id, Clean: clean, Keepalive: 30}, Properties: props})
	if err != nil {
		t.Fatal(err)
	}
	return c, ack
}

func expiry(s uint32) packets.Properties {
	return packets.Properties{SessionExpiryInterval: s, SessionExpiryIntervalFlag: true}
}

// publish5 publishes a QoS 1 message and returns, once it is
// acknowledged, the messages that came to c meanwhile.
func publish5(t *testing.T, c *mqtttest.Conn, id uint16, topic, payload string, props packets.Properties) (held []packets.Packet) {
	t.Helper()
	sendT(t, c, packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: 1}, PacketID: id,
		TopicName: topic, Payload: []byte(payload), Properties: props})
	for {
		pk, err := c.Next(5 * time.Second)
		if err != nil {
			t.Fatalf("PUBACK of %s: %v", payload, err)
		}
		if pk.FixedHeader.Type == packets.Puback && pk.PacketID == id {
			return held
		}
		held = append(held, pk)
	}
}

func payloads(pks []packets.Packet) []string {
	var out []string
	for _, pk := range pks {
		out = append(out, string(pk.Payload))
	}
	return out
}

// Of five messages to a client with Receive Maximum 2 that acknowledges
// each as it comes, all five arrive (the fifth never came: mochi forgot
// the messages it released into the window, so their PUBACKs freed no
// slot).
func TestReceiveMaximumWindowStaysOpen(t *testing.T) {
	addr, _ := resumeBroker(t, t.TempDir())
	c, _ := dial5(t, addr, "slow", true, packets.Properties{ReceiveMaximum: 2})
	if _, _, err := c.Subscribe(1, packets.Subscription{Filter: "w", Qos: 1}); err != nil {
		t.Fatal(err)
	}
	p, _ := dial5(t, addr, "pub", true, packets.Properties{})
	for i, m := range []string{"m1", "m2", "m3", "m4", "m5"} {
		publish5(t, p, uint16(i+1), "w", m, packets.Properties{})
	}
	var got []string
	outstanding := 0
	for len(got) < 5 {
		pk, err := c.Next(2 * time.Second)
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		if pk.FixedHeader.Type != packets.Publish {
			continue
		}
		if outstanding++; outstanding > 2 {
			t.Fatalf("%d unacknowledged messages, Receive Maximum is 2", outstanding)
		}
		got = append(got, string(pk.Payload))
		sendT(t, c, mqtttest.Ack(pk.PacketID))
		outstanding--
	}
}

// A client whose MQTT 5 session expired is not given it back, even before
// mochi's sweep has ended it; a message whose expiry passed while its
// subscriber was away is not delivered.
func TestExpiredSessionsAndMessages(t *testing.T) {
	addr, _ := resumeBroker(t, t.TempDir())
	for _, id := range []string{"short", "long"} {
		c, _ := dial5(t, addr, id, true, expiry(map[string]uint32{"short": 1, "long": 600}[id]))
		if _, _, err := c.Subscribe(1, packets.Subscription{Filter: "x/#", Qos: 1}); err != nil {
			t.Fatal(err)
		}
		sendT(t, c, packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Disconnect}})
	}
	time.Sleep(100 * time.Millisecond)
	p, _ := dial5(t, addr, "pub", true, packets.Properties{})
	publish5(t, p, 1, "x/1", "expires", packets.Properties{MessageExpiryInterval: 1})
	publish5(t, p, 2, "x/1", "stays", packets.Properties{})
	// Long enough for both expiries, too short for mochi's sweeps to be sure to have run.
	time.Sleep(2100 * time.Millisecond)
	_, ack := dial5(t, addr, "short", false, expiry(600))
	if ack.SessionPresent {
		t.Error("the session with expiry 1 s came back after 2 s")
	}
	c, ack := dial5(t, addr, "long", false, expiry(600))
	if !ack.SessionPresent {
		t.Fatal("the session with expiry 600 s is gone")
	}
	if got := payloads(collect(t, c, nil, 300*time.Millisecond)); len(got) != 1 || got[0] != "stays" {
		t.Errorf("resumed session got %q, want only the message without expiry", got)
	}
}

// A session that ends with its connection (MQTT 5 session expiry 0) is not
// resumed by a client that connects again at once, before the broker has
// seen the old connection end.
func TestSessionEndingWithConnectionIsNotInherited(t *testing.T) {
	addr, _ := resumeBroker(t, t.TempDir())
	for i := range 20 {
		c, _ := dial5(t, addr, "flash", true, packets.Properties{})
		if _, _, err := c.Subscribe(1, packets.Subscription{Filter: "f", Qos: 1}); err != nil {
			t.Fatal(err)
		}
		sendT(t, c, packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Disconnect}})
		c.Close()
		n, ack := dial5(t, addr, "flash", false, expiry(60))
		if ack.SessionPresent {
			t.Fatalf("round %d: session present after a session with expiry 0", i)
		}
		sendT(t, n, packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Disconnect, Qos: 0}, ReasonCode: 0,
			Properties: packets.Properties{SessionExpiryInterval: 0, SessionExpiryIntervalFlag: true}})
		n.Close()
		time.Sleep(20 * time.Millisecond)
	}
}

// Taking a session over: the old connection's will is not published, an
// MQTT 3.1.1 connection is closed without a DISCONNECT (3.1.1 has none
// from the server), an MQTT 5 one gets DISCONNECT 0x8E.
func TestTakeoverAsMosquitto(t *testing.T) {
	addr, _ := resumeBroker(t, t.TempDir())
	w, _ := dial5(t, addr, "watcher", true, packets.Properties{})
	if _, _, err := w.Subscribe(1, packets.Subscription{Filter: "will/#", Qos: 1}); err != nil {
		t.Fatal(err)
	}
	for _, version := range []byte{4, 5} {
		id := map[byte]string{4: "v3", 5: "v5"}[version]
		connect := func() *mqtttest.Conn {
			c, err := mqtttest.Dial(addr, version)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			if _, err := c.Connect(packets.Packet{Connect: packets.ConnectParams{ClientIdentifier: id, Keepalive: 30,
				WillFlag: true, WillTopic: "will/" + id, WillPayload: []byte("gone"), WillQos: 1}, Properties: expiry(60)}); err != nil {
				t.Fatal(err)
			}
			return c
		}
		old := connect()
		connect()
		pk, err := old.Next(2 * time.Second)
		switch {
		case version == 4 && !errors.Is(err, io.EOF):
			t.Errorf("3.1.1: the old connection got %v (type %d), want it closed", err, pk.FixedHeader.Type)
		case version == 5 && (err != nil || pk.FixedHeader.Type != packets.Disconnect || pk.ReasonCode != 0x8e):
			t.Errorf("5: the old connection got %v (type %d, reason %#x), want DISCONNECT 0x8E", err, pk.FixedHeader.Type, pk.ReasonCode)
		}
	}
	if got := collect(t, w, nil, 300*time.Millisecond); len(got) > 0 {
		t.Errorf("wills published at a takeover: %q", payloads(got))
	}
}

// A subscription with No Local does not receive its client's own
// messages, which the gateway stores and then routes for the client.
func TestNoLocal(t *testing.T) {
	addr, _ := resumeBroker(t, t.TempDir())
	c, _ := dial5(t, addr, "self", true, packets.Properties{})
	if _, _, err := c.Subscribe(1, packets.Subscription{Filter: "n", Qos: 1, NoLocal: true}); err != nil {
		t.Fatal(err)
	}
	held := publish5(t, c, 7, "n", "own", packets.Properties{})
	p, _ := dial5(t, addr, "other", true, packets.Properties{})
	publish5(t, p, 1, "n", "other", packets.Properties{})
	if got := payloads(collect(t, c, held, 300*time.Millisecond)); len(got) != 1 || got[0] != "other" {
		t.Errorf("got %q, want only the other client's message", got)
	}
}

// A client that allows topic aliases still gets every topic in full, as
// from Mosquitto.
func TestNoTopicAliasesToClients(t *testing.T) {
	addr, _ := resumeBroker(t, t.TempDir())
	c, _ := dial5(t, addr, "aliased", true, packets.Properties{TopicAliasMaximum: 10})
	if _, _, err := c.Subscribe(1, packets.Subscription{Filter: "t", Qos: 1}); err != nil {
		t.Fatal(err)
	}
	p, _ := dial5(t, addr, "pub", true, packets.Properties{})
	publish5(t, p, 1, "t", "a", packets.Properties{})
	publish5(t, p, 2, "t", "b", packets.Properties{})
	for _, pk := range collect(t, c, nil, 300*time.Millisecond) {
		if pk.TopicName != "t" || pk.Properties.TopicAlias != 0 {
			t.Errorf("message %s came with topic %q and alias %d", pk.Payload, pk.TopicName, pk.Properties.TopicAlias)
		}
	}
}
