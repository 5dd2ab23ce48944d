package mqtt

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/storage/bolt"
	"github.com/mochi-mqtt/server/v2/packets"
	"go.etcd.io/bbolt"

	"github.com/tidegate/tidegate/shards"
)

// When a subscriber's session expires, relative to the broker's restart.
const (
	expiresNever = iota
	expiresBeforeRestart
	expiresAfterRestart
)

// TestSessionsSurviveRestart: with a session directory, the QoS 1 messages
// queued for an offline persistent subscriber outlive a restart of the
// broker and reach it, in order, when it comes back; those of a session
// that ended or expired do not. Either way the store keeps none of them
// once they are acknowledged or dropped. Retained messages survive too.
func TestSessionsSurviveRestart(t *testing.T) {
	const queued = 20
	cases := []struct {
		name    string
		version byte   // 4: MQTT 3.1.1
		clean   bool   // clean session (3.1.1) or clean start (5) at the first connection
		expiry  uint32 // MQTT 5 session expiry interval, seconds
		expires int
		resumed bool // the session and its queued messages are there after the restart
	}{
		{name: "3.1.1 persistent", version: 4, resumed: true},
		{name: "5 session expiry", version: 5, expiry: 3600, resumed: true},
		{name: "5 clean start with session expiry", version: 5, clean: true, expiry: 3600, resumed: true},
		{name: "3.1.1 clean session", version: 4, clean: true},
		{name: "5 no session expiry", version: 5},
		{name: "5 expired before restart", version: 5, expiry: 1, expires: expiresBeforeRestart},
		{name: "5 expired after restart", version: 5, expiry: 1, expires: expiresAfterRestart},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := openStore(t)
			createStream(t, st, "sensors", shards.StreamConfig{Shards: 1})
			dir := t.TempDir()
			db := filepath.Join(dir, "mqtt-sessions.db")
			addr := freeAddr(t)
			start := func() (*Service, *mochi.Server) {
				svc := &Service{Writer: newWriter(t, st), Config: Config{Listen: addr, SessionDir: dir}}
				if err := svc.Initialize(); err != nil {
					t.Fatal(err)
				}
				return svc, svc.Broker.(*MochiBroker).Server()
			}
			connect := func(clean bool) (*rawClient, bool) {
				return dialSession(t, addr, "dashboard", tc.version, clean, tc.expiry)
			}

			svc, srv := start()
			sub, _ := connect(tc.clean)
			sub.subscribe(t, "streams/sensors/+")
			sub.disconnect(t)
			ends := (tc.version < 5 && tc.clean) || (tc.version == 5 && tc.expiry == 0)
			waitFor(t, 5*time.Second, "the subscriber's disconnection", func() bool {
				cl, ok := srv.Clients.Get("dashboard")
				return !ok || (!ends && cl.Closed())
			})
			var want []string
			for i := range queued {
				p := fmt.Sprintf("m-%02d", i)
				// In process, so that each message is routed and stored once this returns.
				if err := srv.Publish("streams/sensors/node-1", []byte(p), i == queued-1, 1); err != nil {
					t.Fatal(err)
				}
				want = append(want, p)
			}
			if tc.expires == expiresBeforeRestart {
				waitForExpiry(t, srv)
			}
			svc.Close()
			stored := 0
			if tc.resumed || tc.expires == expiresAfterRestart {
				stored = queued
			}
			if n := countInflight(t, db); n != stored {
				t.Fatalf("%d queued messages stored before the restart, want %d", n, stored)
			}

			svc, srv = start()
			defer func() { svc.Close() }()
			if tc.expires == expiresAfterRestart {
				waitForExpiry(t, srv)
			}
			late, _ := dialSession(t, addr, "late", 4, true, 0)
			late.subscribe(t, "streams/sensors/node-1")
			if pk := late.next(t, 5*time.Second); pk == nil || string(pk.Payload) != want[queued-1] || !pk.FixedHeader.Retain {
				t.Fatalf("a new subscriber got %v, want the retained message %q", pk, want[queued-1])
			}
			late.disconnect(t)

			if !tc.resumed {
				want = nil
			}
			// Unacknowledged, a resumed session's messages come again
			// after another restart.
			acks := []bool{true}
			if tc.resumed {
				acks = []bool{false, true}
			}
			for _, ack := range acks {
				sub, present := connect(false)
				if present != tc.resumed {
					t.Fatalf("session present %v, want %v", present, tc.resumed)
				}
				if got := sub.receive(t, len(want), ack); !slices.Equal(got, want) {
					t.Fatalf("delivered after the restart:\n%v\nwant\n%v", got, want)
				}
				sub.disconnect(t)
				// mochi reads the acknowledgements before the DISCONNECT.
				waitFor(t, 5*time.Second, "the subscriber's disconnection", func() bool {
					cl, ok := srv.Clients.Get("dashboard")
					return !ok || cl.Closed()
				})
				svc.Close()
				left := len(want)
				if ack {
					left = 0
				}
				if n := countInflight(t, db); n != left {
					t.Fatalf("%d messages stored after delivery (acknowledged: %v), want %d", n, ack, left)
				}
				if !ack {
					svc, srv = start()
				}
			}
		})
	}
}

// TestSessionStoreMendsRecords: records that mochi's own hook cannot use
// are mended or deleted at Start: a queued message's packet id comes from
// its key, and the resends with id 0 of earlier versions and the queued
// messages of a session that is over go.
func TestSessionStoreMendsRecords(t *testing.T) {
	st := openStore(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "mqtt-sessions.db")
	seed := new(bolt.Hook)
	seed.SetOpts(slog.New(slog.DiscardHandler), nil)
	if err := seed.Init(&bolt.Options{Path: db}); err != nil {
		t.Fatal(err)
	}
	kept := &mochi.Client{ID: "site:7", Properties: mochi.ClientProperties{ProtocolVersion: 4}}
	over := &mochi.Client{ID: "gone", Properties: mochi.ClientProperties{ProtocolVersion: 4, Clean: true}}
	msg := func(id uint16, dup bool, payload string) packets.Packet {
		return packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: 1, Dup: dup},
			TopicName: "streams/sensors/node-1", Payload: []byte(payload), PacketID: id, Created: time.Now().Unix()}
	}
	for _, cl := range []*mochi.Client{kept, over} {
		seed.OnSessionEstablished(cl, packets.Packet{})
		seed.OnSubscribed(cl, packets.Packet{Filters: packets.Subscriptions{{Filter: "streams/sensors/+", Qos: 1}}}, []byte{1})
	}
	seed.OnQosPublish(kept, msg(3, false, "queued"), 0, 0)
	seed.OnQosPublish(kept, msg(0, true, "queued"), 0, 0) // its resend after a restart, by earlier versions
	seed.OnQosPublish(over, msg(1, false, "left by a crash"), 0, 0)
	if err := seed.Stop(); err != nil {
		t.Fatal(err)
	}
	if n := countInflight(t, db); n != 3 {
		t.Fatalf("seeded %d messages, want 3", n)
	}

	addr := freeAddr(t)
	svc := startService(t, &Service{Writer: newWriter(t, st), Config: Config{Listen: addr, SessionDir: dir}})
	sub, present := dialSession(t, addr, kept.ID, 4, false, 0)
	if !present {
		t.Fatal("session not present")
	}
	pk := sub.next(t, 5*time.Second)
	if pk == nil || string(pk.Payload) != "queued" || pk.PacketID != 3 {
		t.Fatalf("got %v, want the queued message with packet id 3", pk)
	}
	sub.puback(t, pk.PacketID)
	if pk := sub.next(t, 300*time.Millisecond); pk != nil {
		t.Fatalf("got %q too", pk.Payload)
	}
	sub.disconnect(t)
	srv := svc.Broker.(*MochiBroker).Server()
	waitFor(t, 5*time.Second, "the subscriber's disconnection", func() bool {
		cl, ok := srv.Clients.Get(kept.ID)
		return ok && cl.Closed()
	})
	svc.Close()
	if n := countInflight(t, db); n != 0 {
		t.Fatalf("%d messages still stored", n)
	}
}

// waitForExpiry waits until mochi ends the subscriber's expired session.
func waitForExpiry(t *testing.T, srv *mochi.Server) {
	t.Helper()
	waitFor(t, 5*time.Second, "the session to expire", func() bool {
		_, ok := srv.Clients.Get("dashboard")
		return !ok
	})
}

// freeAddr returns a loopback address free for a listener that must keep
// its port across a restart.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// countInflight counts the outbound messages stored in a closed session store.
func countInflight(t *testing.T, path string) int {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	err = db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(_ []byte, b *bbolt.Bucket) error {
			return b.ForEach(func(k, _ []byte) error {
				if strings.HasPrefix(string(k), "IFM_") {
					n++
				}
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// dialSession connects a subscriber speaking MQTT 3.1.1 (version 4) or 5
// and returns whether the broker had its session.
func dialSession(t *testing.T, addr, id string, version byte, clean bool, expiry uint32) (*rawClient, bool) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &rawClient{conn: conn, r: bufio.NewReader(conn), version: version}
	pk := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Connect}, ProtocolVersion: version,
		Connect: packets.ConnectParams{ProtocolName: []byte("MQTT"), Clean: clean, Keepalive: 30, ClientIdentifier: id}}
	if version == 5 && expiry > 0 {
		pk.Properties.SessionExpiryInterval, pk.Properties.SessionExpiryIntervalFlag = expiry, true
	}
	c.write(t, pk)
	ack := c.next(t, 5*time.Second)
	if ack == nil || ack.FixedHeader.Type != packets.Connack || ack.ReasonCode != 0 {
		t.Fatalf("connect %s: got %v, want a CONNACK", id, ack)
	}
	return c, ack.SessionPresent
}

func (c *rawClient) subscribe(t *testing.T, filter string) {
	t.Helper()
	c.write(t, packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Subscribe, Qos: 1}, ProtocolVersion: c.version,
		PacketID: 1, Filters: packets.Subscriptions{{Filter: filter, Qos: 1}}})
	if pk := c.next(t, 5*time.Second); pk == nil || pk.FixedHeader.Type != packets.Suback {
		t.Fatalf("subscribe %s: got %v, want a SUBACK", filter, pk)
	}
}

func (c *rawClient) puback(t *testing.T, id uint16) {
	t.Helper()
	c.write(t, packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Puback}, ProtocolVersion: c.version, PacketID: id})
}

func (c *rawClient) disconnect(t *testing.T) {
	t.Helper()
	c.write(t, packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Disconnect}, ProtocolVersion: c.version})
	c.conn.Close()
}

// receive reads QoS 1 messages until it has n and no more come, and
// returns their payloads in the order they first came. A message may come
// again only with DUP set.
func (c *rawClient) receive(t *testing.T, n int, ack bool) []string {
	t.Helper()
	var got []string
	for {
		wait := 5 * time.Second
		if len(got) == n {
			wait = 300 * time.Millisecond // long enough for a message too many
		}
		pk := c.next(t, wait)
		if pk == nil {
			return got
		}
		if pk.FixedHeader.Type != packets.Publish || pk.FixedHeader.Qos != 1 {
			t.Fatalf("got %v, want a QoS 1 PUBLISH", pk)
		}
		if ack {
			c.puback(t, pk.PacketID)
		}
		if !slices.Contains(got, string(pk.Payload)) {
			got = append(got, string(pk.Payload))
		} else if !pk.FixedHeader.Dup {
			t.Fatalf("%q delivered again without DUP", pk.Payload)
		}
	}
}

// next returns the next CONNACK, SUBACK or PUBLISH, or nil when none
// comes within d.
func (c *rawClient) next(t *testing.T, d time.Duration) *packets.Packet {
	t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(d))
	b, body, err := c.readRaw()
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	pk := &packets.Packet{ProtocolVersion: c.version}
	if err := pk.FixedHeader.Decode(b); err != nil {
		t.Fatal(err)
	}
	pk.FixedHeader.Remaining = len(body)
	switch pk.FixedHeader.Type {
	case packets.Connack:
		err = pk.ConnackDecode(body)
	case packets.Suback:
		err = pk.SubackDecode(body)
	case packets.Publish:
		err = pk.PublishDecode(body)
	default:
		err = fmt.Errorf("unexpected packet type %d", pk.FixedHeader.Type)
	}
	if err != nil {
		t.Fatal(err)
	}
	return pk
}
