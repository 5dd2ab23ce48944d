package mqtt

import (
	"slices"
	"sync"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// packetIDHook keeps the client's packet identifiers apart from the
// broker's. MQTT has two independent spaces: "the Client and Server each
// assign Packet Identifiers independently of each other" (3.1.1 §2.3.1,
// 5 §2.2.1). mochi (v2.7.9) keeps both in one map per session, the
// broker's QoS 1/2 messages awaiting acknowledgement, and looks a client's
// identifier up there:
//   - SUBSCRIBE and UNSUBSCRIBE whose identifier a queued message of the
//     session held were refused (SUBACK 0x91, read as 0x80 "denied" by
//     3.1.1 clients): mosquitto_sub, reconnecting to a session with queued
//     messages, asks with identifier 1 and had its subscription refused
//     (processSubscribe, processUnsubscribe).
//   - a QoS 1 PUBLISH deleted the broker's message of the same identifier
//     from the session unacknowledged (processPublish): never resent on
//     this connection, resent after a restart although acknowledged.
//
// When a client's identifier is one of the session's, the hook hands
// mochi the packet under a stand-in that is not, and puts the client's
// back: into the SUBACK or UNSUBACK mochi writes before it reads the next
// packet, and into the PUBLISH at OnPublish (the ingest hook, which
// acknowledges it, is registered after this one). The stand-in is the free
// identifier that mochi would reach last: it hands out identifiers in
// increasing order, wrapping at 65535, and may hold at most
// MaximumInflight (8192) of them, so it cannot come round to it while
// this client's read loop, which alone frees them, is busy with the packet.
type packetIDHook struct {
	mochi.HookBase
	// By client: the stand-in and the client's identifier of the packet
	// being processed. The client's read loop handles one packet at a time.
	standIns sync.Map // *mochi.Client → standIn
}

type standIn struct{ ours, theirs uint16 }

func (h *packetIDHook) ID() string { return "tidegate-packet-ids" }

func (h *packetIDHook) Provides(b byte) bool {
	switch b {
	case mochi.OnPacketRead, mochi.OnPacketEncode, mochi.OnPublish, mochi.OnDisconnect:
		return true
	}
	return false
}

// OnPacketRead gives a client's SUBSCRIBE, UNSUBSCRIBE or QoS 1 PUBLISH a
// stand-in identifier when the session holds its own. (A QoS 2 PUBLISH
// keeps its identifier: mochi keeps the flow's state under it until
// PUBREL.)
func (h *packetIDHook) OnPacketRead(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	switch {
	case pk.FixedHeader.Type == packets.Subscribe, pk.FixedHeader.Type == packets.Unsubscribe,
		pk.FixedHeader.Type == packets.Publish && pk.FixedHeader.Qos == 1:
	default:
		return pk, nil
	}
	if _, taken := cl.State.Inflight.Get(pk.PacketID); !taken {
		return pk, nil
	}
	ours := lastFreeID(cl.State.Inflight.GetAll(false))
	h.standIns.Store(cl, standIn{ours: ours, theirs: pk.PacketID})
	pk.PacketID = ours
	return pk, nil
}

// lastFreeID returns the free identifier that comes last in the order
// mochi hands them out: the one just before the session's identifiers,
// whose end is where it hands out the next (the largest free range,
// wrapping, starts after them).
func lastFreeID(held []packets.Packet) uint16 {
	ids := make([]int, 0, len(held))
	for _, p := range held {
		ids = append(ids, int(p.PacketID))
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return 1
	}
	// The gap after each id, up to the next (the last wraps past 65535,
	// skipping 0, which is no identifier).
	best, bestGap := 0, -1
	for i, id := range ids {
		next := 0
		if i+1 < len(ids) {
			next = ids[i+1]
		} else {
			next = ids[0] + 65535
		}
		if gap := next - id - 1; gap > bestGap {
			best, bestGap = i, gap
		}
	}
	// The gap ends just before the id after ids[best].
	end := ids[0] - 1
	if best+1 < len(ids) {
		end = ids[best+1] - 1
	}
	if end <= 0 {
		end += 65535
	}
	return uint16(end)
}

// OnPublish gives a QoS 1 PUBLISH its identifier back before it is
// acknowledged.
func (h *packetIDHook) OnPublish(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	if pk.FixedHeader.Qos == 1 {
		if v, ok := h.standIns.Load(cl); ok && v.(standIn).ours == pk.PacketID {
			h.standIns.Delete(cl)
			pk.PacketID = v.(standIn).theirs
		}
	}
	return pk, nil
}

// OnPacketEncode gives a SUBACK or UNSUBACK the identifier of the request
// it answers.
func (h *packetIDHook) OnPacketEncode(cl *mochi.Client, pk packets.Packet) packets.Packet {
	if pk.FixedHeader.Type == packets.Suback || pk.FixedHeader.Type == packets.Unsuback {
		if v, ok := h.standIns.Load(cl); ok && v.(standIn).ours == pk.PacketID {
			h.standIns.Delete(cl)
			pk.PacketID = v.(standIn).theirs
		}
	}
	return pk
}

func (h *packetIDHook) OnDisconnect(cl *mochi.Client, _ error, _ bool) { h.standIns.Delete(cl) }
