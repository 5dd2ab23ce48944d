package mqtt

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

// IngestFunc takes a message published by a client of the embedded broker,
// queues its records for storage at once and returns wait, which returns
// once they are durable. Called in arrival order (on the client's read
// loop), it keeps one client's records in order while several messages are
// stored at a time. Until wait returns nil the client's QoS 1/2 PUBLISH is
// not acknowledged; an error means it never is on this connection: the
// client is disconnected and redelivers after reconnecting. wait must
// return when its ctx ends: Close waits for it.
type IngestFunc func(clientID, topic string, payload []byte) (wait func(context.Context) error)

// Broker is the embedded MQTT broker, behind an interface of ours because
// its implementation (mochi-mqtt) is no longer maintained.
type Broker interface {
	// SetIngest installs the function every client PUBLISH goes through
	// before it is acknowledged and routed. Call it before Start.
	SetIngest(fn IngestFunc)
	// Start binds the listeners and serves.
	Start() error
	// Addr is the TCP listener's address, once started.
	Addr() string
	// Relays reports whether a message published on topic now reaches a
	// client subscribed to it: a message no gateway subscription stores is
	// then the broker's to deliver, not lost.
	Relays(topic string) bool
	// Close disconnects every client and stops.
	Close() error
}

// BrokerOptions configure NewBroker.
type BrokerOptions struct {
	Listen     string // default DefaultListen
	TLS        TLSConfig
	Users      []User
	SessionDir string // "" keeps sessions in memory only
	Logger     *slog.Logger
}

// NewBroker returns the mochi-mqtt broker. It refuses anonymous access on a
// listener that is not loopback.
func NewBroker(o BrokerOptions) (*MochiBroker, error) {
	if o.Listen == "" {
		o.Listen = DefaultListen
	}
	c := Config{Listen: o.Listen, TLS: o.TLS, Users: o.Users}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	users := make(map[string]string, len(o.Users))
	for _, u := range o.Users {
		users[u.Username] = u.Password
	}
	b := &MochiBroker{opts: o, users: users, log: o.Logger}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	return b, nil
}

// MochiBroker is the Broker made with mochi-mqtt v2.
//
// What survives a restart: with SessionDir set, persistent sessions
// (clean session off / session expiry > 0), their subscriptions, retained
// messages and QoS 1/2 messages queued for subscribers are kept in a bbolt
// file and reloaded at Start. Without it, all of that is in memory only and
// lost at restart. Messages published into streams never depend on it:
// they are acknowledged only once durable in the stream. The store keeps
// no disconnection time, so a reloaded session's expiry interval counts
// from the restart.
type MochiBroker struct {
	opts  BrokerOptions
	users map[string]string
	log   *slog.Logger

	ctx    context.Context // ends blocked ingests at Close
	cancel context.CancelFunc
	ingest IngestFunc
	srv    *mochi.Server
	router *mochi.Client // inline client that routes stored messages
	tcp    *listeners.TCP
	once   sync.Once

	pipelines sync.Map // *mochi.Client → *pipeline, while connected

	mu     sync.Mutex // guards closed and wg.Add
	closed bool
	wg     sync.WaitGroup // pipelines and ingests under way
}

// ErrBrokerClosed: the broker was closed while a message was being stored.
var ErrBrokerClosed = errors.New("mqtt: broker closed")

var _ Broker = (*MochiBroker)(nil)

// SetIngest implements Broker.
func (b *MochiBroker) SetIngest(fn IngestFunc) { b.ingest = fn }

// Addr implements Broker.
func (b *MochiBroker) Addr() string {
	if b.tcp == nil {
		return ""
	}
	return b.tcp.Address()
}

// Relays implements Broker.
func (b *MochiBroker) Relays(topic string) bool {
	return b.srv != nil && b.hasSubscribers(topic)
}

// Server exposes the mochi server, for tests and for in-process publishing.
func (b *MochiBroker) Server() *mochi.Server { return b.srv }

// Start implements Broker.
func (b *MochiBroker) Start() error {
	caps := mochi.NewDefaultServerCapabilities()
	// mochi drops retained messages and queued QoS messages older than a
	// day by default; a gateway keeps them until the session expires.
	caps.MaximumMessageExpiryInterval = 0
	caps.ReceiveMaximum = ackWindow
	srv := mochi.New(&mochi.Options{
		Capabilities:             caps,
		Logger:                   b.log.With("component", "mqtt-broker"),
		ClientNetWriteBufferSize: 4096,
		ClientNetReadBufferSize:  4096,
		InlineClient:             true, // Server().Publish: the gateway's own messages (Sparkplug NCMD)
	})
	// Before the ingest hook, whose OnPublish needs the client's packet id.
	if err := srv.AddHook(new(packetIDHook), nil); err != nil {
		return fmt.Errorf("mqtt: packet id hook: %w", err)
	}
	if err := srv.AddHook(&ingestHook{b: b}, nil); err != nil {
		return fmt.Errorf("mqtt: broker hook: %w", err)
	}
	window := new(windowHook)
	if err := srv.AddHook(window, nil); err != nil {
		return fmt.Errorf("mqtt: window hook: %w", err)
	}
	if err := srv.AddHook(new(compatHook), nil); err != nil {
		return fmt.Errorf("mqtt: compat hook: %w", err)
	}
	if err := srv.AddHook(newTakeoverHook(srv, window), nil); err != nil {
		return fmt.Errorf("mqtt: takeover hook: %w", err)
	}
	if err := srv.AddHook(newSessionHook(srv), nil); err != nil {
		return fmt.Errorf("mqtt: session hook: %w", err)
	}
	dup := newDupHook()
	if err := srv.AddHook(dup, nil); err != nil {
		return fmt.Errorf("mqtt: dup hook: %w", err)
	}
	b.router = srv.NewClient(nil, "local", "tidegate-router", true)
	// InjectPacket gives what it routes the router's protocol version, and
	// mochi honours a message expiry interval only on MQTT 5 packets.
	b.router.Properties.ProtocolVersion = 5
	if b.opts.SessionDir != "" {
		if err := addSessionStore(srv, b.opts.SessionDir, dup); err != nil {
			return fmt.Errorf("mqtt: session store: %w", err)
		}
	}
	b.tcp = listeners.NewTCP(listeners.Config{ID: "tcp", Address: b.opts.Listen})
	if err := srv.AddListener(drainListener{b.tcp}); err != nil {
		srv.Close()
		return fmt.Errorf("mqtt: listen %s: %w", b.opts.Listen, err)
	}
	if t := b.opts.TLS; t.Listen != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			srv.Close()
			return fmt.Errorf("mqtt: tls: %w", err)
		}
		l := listeners.NewTCP(listeners.Config{ID: "tls", Address: t.Listen,
			TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}})
		if err := srv.AddListener(drainListener{l}); err != nil {
			srv.Close()
			return fmt.Errorf("mqtt: listen tls %s: %w", t.Listen, err)
		}
	}
	b.srv = srv
	if err := srv.Serve(); err != nil {
		srv.Close()
		return fmt.Errorf("mqtt: broker: %w", err)
	}
	return nil
}

// Close implements Broker.
// closeWait bounds how long Close waits for mochi to disconnect its clients.
const closeWait = 5 * time.Second

func (b *MochiBroker) Close() error {
	b.once.Do(func() {
		b.cancel()
		if b.srv != nil {
			// mochi v2.7.9 can deadlock in Server.Close: Clients.GetByListener
			// takes the clients' read lock twice, and a client leaving at that
			// moment queues a writer between the two. Its listeners are
			// closed before that point, so after a wait we go on without it.
			done := make(chan struct{})
			go func() { b.srv.Close(); close(done) }()
			select {
			case <-done:
			case <-time.After(closeWait):
				b.log.Warn("mqtt: the embedded broker did not finish closing its client connections; going on without it")
			}
		}
		b.mu.Lock()
		b.closed = true
		b.mu.Unlock()
		b.wg.Wait()
	})
	return nil
}

// spawn runs f on a goroutine Close waits for; false once closed.
func (b *MochiBroker) spawn(f func()) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		f()
	}()
	return true
}

// pipelineOf returns the client's pipeline, starting it at its first
// message; nil once the broker is closed. Only the client's read loop
// calls it, so two are never made for one client.
func (b *MochiBroker) pipelineOf(cl *mochi.Client) *pipeline {
	if v, ok := b.pipelines.Load(cl); ok {
		return v.(*pipeline)
	}
	p := newPipeline(b, cl)
	if !b.spawn(p.run) {
		return nil
	}
	b.pipelines.Store(cl, p)
	return p
}

// ingestHook authenticates clients and stores their messages before they
// are acknowledged: QoS 0/1 through the client's pipeline (pipeline.go),
// QoS 2 in the hook itself, where mochi writes the PUBREC only after
// OnPublish returns without error (server.go, processPublish, v2.7.9).
type ingestHook struct {
	mochi.HookBase
	b *MochiBroker
}

func (h *ingestHook) ID() string { return "tidegate-ingest" }

func (h *ingestHook) Provides(b byte) bool {
	switch b {
	case mochi.OnConnectAuthenticate, mochi.OnACLCheck, mochi.OnPublish, mochi.OnDisconnect:
		return true
	}
	return false
}

func (h *ingestHook) OnConnectAuthenticate(cl *mochi.Client, pk packets.Packet) bool {
	if len(h.b.users) == 0 {
		return true // Validate allowed this only on loopback
	}
	want, ok := h.b.users[string(pk.Connect.Username)]
	// Compare even for an unknown user, so timing does not tell users apart.
	eq := subtle.ConstantTimeCompare([]byte(want), pk.Connect.Password) == 1
	return ok && eq
}

func (h *ingestHook) OnACLCheck(cl *mochi.Client, topic string, write bool) bool { return true }

// OnPublish returns packets.ErrRejectPacket for every message it does not
// leave to mochi: mochi then neither acknowledges nor routes it.
func (h *ingestHook) OnPublish(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	b := h.b
	if cl == b.router {
		// processPublish made the router the origin; the publisher's id
		// comes along in a field a PUBLISH does not use (route).
		pk.Origin, pk.Connect.ClientIdentifier = pk.Connect.ClientIdentifier, ""
	}
	if cl.Net.Inline || b.ingest == nil {
		return pk, nil // our own routing of stored messages, or no ingest
	}
	p := b.pipelineOf(cl)
	if p == nil {
		return pk, packets.ErrRejectPacket // closing: not acknowledged
	}
	if pk.FixedHeader.Qos < 2 {
		p.enqueue(pk)
		return pk, packets.ErrRejectPacket
	}
	// QoS 2 waits for the messages before it, so that subscribers get
	// them in order, then is stored here; mochi writes the PUBREC and
	// routes it once we return.
	if !p.drain() {
		return pk, packets.ErrRejectPacket
	}
	if err := b.ingest(cl.ID, pk.TopicName, pk.Payload)(b.ctx); err != nil {
		p.fail(pk, err)
		return pk, packets.ErrRejectPacket
	}
	return pk, nil
}

// OnDisconnect ends the client's pipeline once what it holds is done.
// mochi calls it on the client's read loop after the last OnPublish.
func (h *ingestHook) OnDisconnect(cl *mochi.Client, err error, expire bool) {
	if v, ok := h.b.pipelines.LoadAndDelete(cl); ok {
		close(v.(*pipeline).queue)
	}
}
