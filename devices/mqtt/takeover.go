package mqtt

import (
	"sync"
	"sync/atomic"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// takeoverHook makes a session takeover lose nothing of what the old
// connection carried.
//
// First, what the client sent on its old connection before it connected
// again: acknowledgements of queued messages, PUBLISHes. mochi (v2.7.9)
// copies the session from the old connection and closes it at once, while
// its read loop may still be working through what it received (each
// PUBACK of a persistent session costs a session store write): what it
// had not read yet was dropped, and the acknowledged messages came back on
// the new connection (20 PUBACKed, 17 resent). The hook drains the old
// connection first (drain.go): it reads and processes all its client sent
// until nothing more comes, then mochi takes the session over. The old
// connection's will is not published, as Mosquitto does not publish it: its
// client is back (MQTT 5 §3.1.2.5: a new connection for the client id
// before the will delay has passed).
//
// Second, the QoS 1/2 messages that reach a persistent session
// while a reconnecting client takes it over. mochi (v2.7.9,
// inheritClientSession) copies the old connection's queue to the new one,
// clears the old one's, and only then lists the new connection: a message
// routed in between lands on the old connection and is lost. This hook
// notes every message queued on a connection being taken over and, once the
// new one is listed, queues and sends to it those the copy missed.
type takeoverHook struct {
	mochi.HookBase
	srv    *mochi.Server
	window *windowHook // puts back what the old connection released last

	// watching counts the connections in byOld, so that the publishes of
	// the common case — no takeover under way — take no lock.
	watching atomic.Int32

	mu    sync.Mutex
	byOld map[*mochi.Client]*takeover
	byID  map[string]*takeover
}

type takeover struct {
	old    *mochi.Client
	next   *mochi.Client // set once the new connection is listed
	routed []packets.Packet
}

// takeoverGrace is how long a taken-over connection is still watched after
// the new one is listed: a publish that looked it up just before may queue
// on it a moment later.
const takeoverGrace = 5 * time.Second

// takeoverExpiry bounds how long a takeover whose new connection never got
// established is watched.
const takeoverExpiry = time.Minute

// takeoverDrainWait bounds how long a new connection waits for the old one
// to drain: one that keeps sending without a pause is cut off then.
const takeoverDrainWait = 2 * time.Second

func newTakeoverHook(srv *mochi.Server, window *windowHook) *takeoverHook {
	return &takeoverHook{srv: srv, window: window, byOld: map[*mochi.Client]*takeover{}, byID: map[string]*takeover{}}
}

func (h *takeoverHook) ID() string { return "tidegate-takeover" }

func (h *takeoverHook) Provides(b byte) bool {
	switch b {
	case mochi.OnSessionEstablish, mochi.OnSessionEstablished, mochi.OnQosPublish:
		return true
	}
	return false
}

// OnSessionEstablish runs before mochi looks for the session to inherit,
// on the new connection's goroutine.
func (h *takeoverHook) OnSessionEstablish(cl *mochi.Client, pk packets.Packet) {
	old := h.existing(cl)
	if old == nil {
		return
	}
	if dc, ok := old.Net.Conn.(*drainConn); ok {
		select {
		case <-dc.drain():
		case <-time.After(takeoverDrainWait):
		}
		if dc.held.Load() {
			// A live connection, its read loop held in Read: its will is
			// not published when it is closed (sendLWT checks the flag). A
			// connection that ended by itself already had its will dealt
			// with.
			atomic.StoreUint32(&old.Properties.Will.Flag, 0)
		}
	}
	h.window.restore(old)
	if (old.Properties.ProtocolVersion == 5 && old.Properties.Props.SessionExpiryInterval == 0) ||
		(old.Properties.ProtocolVersion < 5 && old.Properties.Clean) {
		h.endWithConnection(cl, old)
		return
	}
	if pk.Connect.Clean || (old.Properties.Clean && old.Properties.ProtocolVersion < 5) {
		return // nothing is inherited
	}
	t := &takeover{old: old}
	h.mu.Lock()
	if _, watched := h.byOld[old]; !watched {
		h.watching.Add(1)
	}
	h.byOld[old] = t
	h.byID[cl.ID] = t
	h.mu.Unlock()
	// Should the new connection never be established, stop watching.
	time.AfterFunc(takeoverExpiry, func() { h.forget(t, cl.ID) })
}

// endWithConnection ends the old connection of a session that ends with
// it (MQTT 5 session expiry 0, 3.1.1 clean session) and waits until mochi
// has ended the session (attachClient: OnDisconnect, Clients.Delete), so
// that the new connection does not inherit it: mochi inherited an MQTT 5
// one that had not ended yet, and answered session present.
func (h *takeoverHook) endWithConnection(cl, old *mochi.Client) {
	_ = h.srv.DisconnectClient(old, packets.ErrSessionTakenOver)
	for deadline := time.Now().Add(takeoverDrainWait); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cur, ok := h.srv.Clients.Get(cl.ID); !ok || cur != old {
			return
		}
	}
}

// existing is the connection listed under cl's id, if it is another.
func (h *takeoverHook) existing(cl *mochi.Client) *mochi.Client {
	old, ok := h.srv.Clients.Get(cl.ID)
	if !ok || old == cl {
		return nil
	}
	return old
}

// OnQosPublish notes a message queued on a connection being taken over; after
// the new connection is listed, it is handed over at once.
func (h *takeoverHook) OnQosPublish(cl *mochi.Client, pk packets.Packet, _ int64, resends int) {
	if resends != 0 || h.watching.Load() == 0 {
		return
	}
	h.mu.Lock()
	t, ok := h.byOld[cl]
	if !ok {
		h.mu.Unlock()
		return
	}
	next := t.next
	if next == nil {
		t.routed = append(t.routed, pk.Copy(true))
	}
	h.mu.Unlock()
	if next != nil {
		requeue(next, pk)
	}
}

// OnSessionEstablished runs once the new connection is listed and its
// inherited queue resent: what reached the old connection after the copy
// goes to the new one.
func (h *takeoverHook) OnSessionEstablished(cl *mochi.Client, _ packets.Packet) {
	h.mu.Lock()
	t, ok := h.byID[cl.ID]
	if ok && t.next == nil {
		delete(h.byID, cl.ID)
		t.next = cl
	}
	var routed []packets.Packet
	if ok {
		routed, t.routed = t.routed, nil
	}
	h.mu.Unlock()
	if !ok {
		return
	}
	for _, pk := range routed {
		if cur, ok := cl.State.Inflight.Get(pk.PacketID); ok && cur.Created == pk.Created && cur.TopicName == pk.TopicName {
			continue // copied with the session
		}
		requeue(cl, pk)
	}
	time.AfterFunc(takeoverGrace, func() { h.forget(t, cl.ID) })
}

// forget stops watching a takeover.
func (h *takeoverHook) forget(t *takeover, id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.byOld[t.old] == t {
		delete(h.byOld, t.old)
		h.watching.Add(-1)
	}
	if h.byID[id] == t {
		delete(h.byID, id)
	}
}

// requeue queues pk on cl under a packet id of cl's and sends it.
func requeue(cl *mochi.Client, pk packets.Packet) {
	id, err := cl.NextPacketID()
	if err != nil {
		return // the client's window is exhausted; mochi drops too
	}
	out := pk.Copy(true)
	out.PacketID = uint16(id)
	out.FixedHeader.Dup = false
	cl.State.Inflight.Set(out)
	_ = cl.WritePacket(out) // on failure it stays queued for the next resume
}
