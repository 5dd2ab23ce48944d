package mqtt

import (
	"sync"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// dupHook sets the DUP flag of a QoS 1/2 message only when it is sent
// again. mochi (v2.7.9, ResendInflightMessages) sets it on every message of
// a resumed session, also on those queued while the client was away and
// never sent: they arrived as duplicates (d1) on their first delivery,
// where MQTT wants DUP 0 on the first attempt (3.1.1 §3.3.1.1, 5 §3.3.1.1)
// and Mosquitto sends d0. The hook notes which of a session's messages
// have been written to a connection and clears DUP on the others as they
// are encoded. The note is by client id and packet id, so it follows the
// session to a new connection; the session store keeps it across a
// graceful restart (sessionStore.Stop).
type dupHook struct {
	mochi.HookBase

	mu   sync.Mutex
	sent map[string]bool // inflightID of messages written at least once
}

func newDupHook() *dupHook { return &dupHook{sent: map[string]bool{}} }

func (h *dupHook) ID() string { return "tidegate-dup" }

func (h *dupHook) Provides(b byte) bool {
	switch b {
	case mochi.OnPacketEncode, mochi.OnPacketSent, mochi.OnQosPublish, mochi.OnQosComplete, mochi.OnQosDropped:
		return true
	}
	return false
}

// OnPacketEncode clears DUP on a message never sent before.
func (h *dupHook) OnPacketEncode(cl *mochi.Client, pk packets.Packet) packets.Packet {
	if pk.FixedHeader.Type == packets.Publish && pk.FixedHeader.Dup && !h.wasSent(cl.ID, pk.PacketID) {
		pk.FixedHeader.Dup = false
	}
	return pk
}

// OnPacketSent notes a QoS 1/2 message written to its connection.
func (h *dupHook) OnPacketSent(cl *mochi.Client, pk packets.Packet, _ []byte) {
	if pk.FixedHeader.Type == packets.Publish && pk.FixedHeader.Qos > 0 && !cl.Net.Inline {
		h.markSent(cl.ID, pk.PacketID)
	}
}

// OnQosPublish forgets what was noted under the identifier of a message
// queued anew (mochi copies a routed message without DUP; a resent one
// has it set). Such a note is left by a message mochi let go of without
// telling the hooks (processPacket, NextImmediate).
func (h *dupHook) OnQosPublish(cl *mochi.Client, pk packets.Packet, _ int64, _ int) {
	if pk.FixedHeader.Type == packets.Publish && !pk.FixedHeader.Dup {
		h.forget(cl.ID, pk.PacketID)
	}
}

// OnQosComplete forgets a message acknowledged (PUBACK, PUBCOMP); a PUBREL
// completes a message the client sent, under its own identifier.
func (h *dupHook) OnQosComplete(cl *mochi.Client, pk packets.Packet) {
	if pk.FixedHeader.Type != packets.Pubrel {
		h.forget(cl.ID, pk.PacketID)
	}
}

// OnQosDropped forgets a dropped message, except those of a connection
// whose session is taken over: the new connection has them.
func (h *dupHook) OnQosDropped(cl *mochi.Client, pk packets.Packet) {
	if !cl.IsTakenOver() && pk.FixedHeader.Type != packets.Pubrel {
		h.forget(cl.ID, pk.PacketID)
	}
}

func (h *dupHook) wasSent(clientID string, id uint16) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sent[inflightID(clientID, id)]
}

func (h *dupHook) markSent(clientID string, id uint16) {
	h.mu.Lock()
	h.sent[inflightID(clientID, id)] = true
	h.mu.Unlock()
}

func (h *dupHook) forget(clientID string, id uint16) {
	h.mu.Lock()
	delete(h.sent, inflightID(clientID, id))
	h.mu.Unlock()
}
