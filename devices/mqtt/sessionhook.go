package mqtt

import (
	"cmp"
	"slices"
	"sync"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// sessionHook mends three things mochi (v2.7.9) does with persistent
// sessions, in memory as in the session store:
//   - A session, or a queued message, whose MQTT 5 expiry interval has
//     passed was resumed, or resent, when mochi's once-a-second sweep had
//     not yet ended it.
//   - A resumed session's queued messages are resent (ResendInflightMessages)
//     sorted by the low 16 bits of their creation second, with an unstable
//     sort: those of one second go out in random order, where MQTT wants
//     the order they were queued in (3.1.1 §4.6, 5 §4.6). For the resend
//     only, their Created becomes their rank in queue order; the session
//     store does not write resends, so it keeps the real one.
//   - An expired session is forgotten but keeps its subscriptions, which
//     a new session of the same client id would then receive on, and its
//     queued messages, which stayed in the session store for good.
type sessionHook struct {
	mochi.HookBase
	srv *mochi.Server

	mu sync.Mutex
	// By client id: the queue being resent, with the real Created. A
	// connection that fails before OnSessionEstablished leaves its entry
	// to the client's next one.
	resumed map[string][]packets.Packet
}

func newSessionHook(srv *mochi.Server) *sessionHook {
	return &sessionHook{srv: srv, resumed: map[string][]packets.Packet{}}
}

func (h *sessionHook) ID() string { return "tidegate-sessions" }

func (h *sessionHook) Provides(b byte) bool {
	switch b {
	case mochi.OnSessionEstablish, mochi.OnSessionEstablished, mochi.OnClientExpired:
		return true
	}
	return false
}

// OnSessionEstablish ranks the queue of a session that cl resumes. mochi
// calls it before it moves the session to cl and resends its queue
// (server.go, attachClient).
func (h *sessionHook) OnSessionEstablish(cl *mochi.Client, pk packets.Packet) {
	old, ok := h.srv.Clients.Get(cl.ID)
	if ok && old != cl && h.expired(old, time.Now().Unix()) {
		// Its expiry has passed: mochi's once-a-second sweep would end it,
		// but a client back in between was given it (session present).
		h.OnClientExpired(old)
		h.srv.Clients.Delete(old.ID)
		return
	}
	if !ok || pk.Connect.Clean || (old.Properties.Clean && old.Properties.ProtocolVersion < 5) {
		return // no session to resume (inheritClientSession)
	}
	// Expired messages are not sent: mochi drops them once a second, and
	// may resend them before it does.
	old.ClearExpiredInflights(time.Now().Unix(), 0)
	queue := old.State.Inflight.GetAll(false)
	if len(queue) < 2 {
		return
	}
	slices.SortFunc(queue, queueOrder)
	for i, p := range queue {
		p.Created = int64(i) + 1 // fewer than 1<<16: one per packet id
		old.State.Inflight.Set(p)
	}
	h.mu.Lock()
	h.resumed[cl.ID] = queue
	h.mu.Unlock()
}

// OnSessionEstablished puts back the real Created of the queue once it is
// resent, before cl's acknowledgements are read.
func (h *sessionHook) OnSessionEstablished(cl *mochi.Client, _ packets.Packet) {
	h.mu.Lock()
	queue := h.resumed[cl.ID]
	delete(h.resumed, cl.ID)
	h.mu.Unlock()
	for i, p := range queue {
		if cur, ok := cl.State.Inflight.Get(p.PacketID); ok && cur.Created == int64(i)+1 {
			cur.Created = p.Created
			cl.State.Inflight.Set(cur)
		}
	}
}

// expired reports whether the session of a disconnected client has
// expired, by mochi's rule (clearExpiredClients).
func (h *sessionHook) expired(cl *mochi.Client, now int64) bool {
	disconnected := cl.StopTime()
	if disconnected == 0 {
		return false
	}
	expire := h.srv.Options.Capabilities.MaximumSessionExpiryInterval
	if cl.Properties.ProtocolVersion == 5 && cl.Properties.Props.SessionExpiryIntervalFlag {
		expire = cl.Properties.Props.SessionExpiryInterval
	}
	return disconnected+int64(expire) < now
}

// OnClientExpired ends what mochi leaves of an expired session; the
// session store deletes it in turn (OnUnsubscribed, OnQosDropped).
func (h *sessionHook) OnClientExpired(cl *mochi.Client) {
	h.srv.UnsubscribeClient(cl)
	cl.ClearInflights()
}

// queueOrder orders a session's queued messages as they were queued: by
// creation second, then by packet id, which a client's messages get in
// increasing order, wrapping after 65535 (serial number arithmetic). A
// second's outstanding messages are far fewer than 32768 apart.
func queueOrder(a, b packets.Packet) int {
	if c := cmp.Compare(a.Created, b.Created); c != 0 {
		return c
	}
	return int(int16(a.PacketID - b.PacketID))
}
