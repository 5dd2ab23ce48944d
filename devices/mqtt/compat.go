package mqtt

import (
	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// compatHook makes mochi (v2.7.9) behave as Mosquitto 2.0 where the two
// part, so that a client that works with Mosquitto works here
// (devices/mqtt/conformance):
//   - No topic aliases to clients. mochi replaces the topic of a message
//     with an alias whenever the client allows some (Topic Alias Maximum);
//     Mosquitto always sends the topic. Both are MQTT 5, but a client
//     that announces aliases and mishandles them works with Mosquitto.
//   - No DISCONNECT to an MQTT 3.1.1 client. In 3.1.1 only the client
//     sends DISCONNECT; mochi sent one at a takeover and at shutdown
//     before closing the connection, where Mosquitto just closes it.
type compatHook struct{ mochi.HookBase }

func (h *compatHook) ID() string { return "tidegate-mosquitto-compat" }

func (h *compatHook) Provides(b byte) bool {
	return b == mochi.OnConnect || b == mochi.OnPacketEncode
}

// OnConnect runs after mochi has read the client's properties
// (ParseConnect) and before it routes anything to it.
func (h *compatHook) OnConnect(cl *mochi.Client, _ packets.Packet) error {
	cl.Properties.Props.TopicAliasMaximum = 0
	return nil
}

// OnPacketEncode turns a DISCONNECT to a 3.1.1 client into a packet that
// does not encode, which WritePacket then does not write; the connection
// is closed all the same (DisconnectClient).
func (h *compatHook) OnPacketEncode(cl *mochi.Client, pk packets.Packet) packets.Packet {
	if pk.FixedHeader.Type == packets.Disconnect && cl.Properties.ProtocolVersion < 5 {
		pk.FixedHeader.Type = packets.Reserved
	}
	return pk
}
