package mqtt

import (
	"sync"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// takeoverHook keeps the QoS 1/2 messages that reach a persistent session
// while a reconnecting client takes it over. mochi (v2.7.9,
// inheritClientSession) copies the old connection's queue to the new one,
// clears the old one's, and only then lists the new connection: a message
// routed in between lands on the old connection and is lost. This hook
// notes every message queued on a connection being taken over and, once the
// new one is listed, queues and sends to it those the copy missed.
type takeoverHook struct {
	mochi.HookBase
	srv *mochi.Server

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

func newTakeoverHook(srv *mochi.Server) *takeoverHook {
	return &takeoverHook{srv: srv, byOld: map[*mochi.Client]*takeover{}, byID: map[string]*takeover{}}
}

func (h *takeoverHook) ID() string { return "tidegate-takeover" }

func (h *takeoverHook) Provides(b byte) bool {
	switch b {
	case mochi.OnSessionEstablish, mochi.OnSessionEstablished, mochi.OnQosPublish:
		return true
	}
	return false
}

// OnSessionEstablish runs before mochi looks for the session to inherit.
func (h *takeoverHook) OnSessionEstablish(cl *mochi.Client, pk packets.Packet) {
	old := h.existing(cl)
	if old == nil || pk.Connect.Clean || (old.Properties.Clean && old.Properties.ProtocolVersion < 5) {
		return // nothing is inherited
	}
	t := &takeover{old: old}
	h.mu.Lock()
	h.byOld[old] = t
	h.byID[cl.ID] = t
	h.mu.Unlock()
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
	if resends != 0 {
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
	time.AfterFunc(takeoverGrace, func() {
		h.mu.Lock()
		delete(h.byOld, t.old)
		h.mu.Unlock()
	})
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
