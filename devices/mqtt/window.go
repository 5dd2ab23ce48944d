package mqtt

import (
	"sync"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// windowHook keeps in their session the messages that mochi (v2.7.9)
// sends when an MQTT 5 client's Receive Maximum frees a slot. mochi holds
// back what is over the client's window and, after each packet the client
// sends, writes the next one held back and deletes it from the session
// without telling the hooks (processPacket, NextImmediate): its PUBACK
// then matched nothing and freed no slot, so the window shrank by one
// each time until nothing more was sent (of five messages to a client
// with Receive Maximum 2, the fifth never came); and a connection lost
// before the PUBACK lost the message, which only a restart brought back
// from the session store, acknowledged or not.
//
// The hook notes such a message as it is written and puts it back, marked
// as sent, before the client's next packet is processed (OnPacketRead),
// when the connection ends (OnDisconnect), or before a takeover copies
// the session (takeoverHook): always after mochi deleted it, and before
// its acknowledgement can be read.
type windowHook struct {
	mochi.HookBase
	released sync.Map // *mochi.Client → []packets.Packet
	mu       sync.Mutex
}

func (h *windowHook) ID() string { return "tidegate-receive-window" }

func (h *windowHook) Provides(b byte) bool {
	switch b {
	case mochi.OnPacketSent, mochi.OnPacketRead, mochi.OnDisconnect:
		return true
	}
	return false
}

// OnPacketSent notes a held-back message as mochi writes it (its Expiry
// is -1, mochi's mark of one held back).
func (h *windowHook) OnPacketSent(cl *mochi.Client, pk packets.Packet, _ []byte) {
	if pk.FixedHeader.Type != packets.Publish || pk.Expiry >= 0 {
		return
	}
	cur, ok := cl.State.Inflight.Get(pk.PacketID)
	if !ok {
		return
	}
	// Its real expiry, which the mark replaced.
	cur.Expiry = 0
	if iv := cur.Properties.MessageExpiryInterval; iv > 0 {
		cur.Expiry = cur.Created + int64(iv)
	}
	h.mu.Lock()
	v, _ := h.released.Load(cl)
	list, _ := v.([]packets.Packet)
	h.released.Store(cl, append(list, cur))
	h.mu.Unlock()
}

// restore puts the messages noted for cl back into its session.
func (h *windowHook) restore(cl *mochi.Client) {
	h.mu.Lock()
	v, ok := h.released.LoadAndDelete(cl)
	h.mu.Unlock()
	if !ok {
		return
	}
	for _, pk := range v.([]packets.Packet) {
		cl.State.Inflight.Set(pk)
	}
}

func (h *windowHook) OnPacketRead(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	h.restore(cl)
	return pk, nil
}

func (h *windowHook) OnDisconnect(cl *mochi.Client, _ error, _ bool) { h.restore(cl) }
