package conformance

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/tidegate/tidegate/devices/mqtt/mqtttest"
)

// rawClient drives devices/mqtt/mqtttest: every packet on the wire, and
// acknowledgements held back when a scenario says so.
type rawClient struct {
	addr, id string
	version  byte
	c        *mqtttest.Conn
	nextID   uint16
	manual   bool     // hold acknowledgements back until ack is called
	pending  []uint16 // QoS 1 messages received and not acknowledged
	end      string   // how the broker ended the connection, once it did
	msgs     []string // received before the caller asked for them
}

func newRaw(addr, id string, version byte) *rawClient {
	return &rawClient{addr: addr, id: id, version: version}
}

func (r *rawClient) connectPacket(o connOpts) packets.Packet {
	ka := o.keepalive
	if ka == 0 {
		ka = 30
	}
	pk := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Connect},
		Connect: packets.ConnectParams{ClientIdentifier: r.id, Clean: o.clean, Keepalive: ka}}
	if o.expiry != nil {
		pk.Properties.SessionExpiryInterval, pk.Properties.SessionExpiryIntervalFlag = *o.expiry, true
	}
	pk.Properties.ReceiveMaximum = o.receiveMax
	pk.Properties.MaximumPacketSize = o.maxPacket
	pk.Properties.TopicAliasMaximum = o.aliasMax
	if w := o.will; w != nil {
		pk.Connect.WillFlag, pk.Connect.WillTopic, pk.Connect.WillPayload = true, w.topic, []byte(w.payload)
		pk.Connect.WillQos, pk.Connect.WillRetain = w.qos, w.retain
		pk.Connect.WillProperties.WillDelayInterval = w.delay
	}
	return pk
}

func (r *rawClient) connect(o connOpts) string {
	c, err := mqtttest.Dial(r.addr, r.version)
	if err != nil {
		return fmt.Sprintf("dial error %v", err)
	}
	r.c = c
	ack, err := c.Connect(r.connectPacket(o))
	if err != nil {
		return fmt.Sprintf("connect error %v", err)
	}
	return connackLine(ack.SessionPresent, ack.ReasonCode)
}

func (r *rawClient) id16() uint16 {
	r.nextID++
	return r.nextID
}

// await reads until a packet of type want comes, handling what comes
// before it.
func (r *rawClient) await(want byte) (packets.Packet, error) {
	for {
		pk, err := r.next(5 * time.Second)
		if err != nil {
			return pk, err
		}
		if pk.FixedHeader.Type == want {
			return pk, nil
		}
	}
}

// next reads one packet, taking in a PUBLISH (acknowledging it unless
// acknowledgements are held) and noting a DISCONNECT or the end.
func (r *rawClient) next(wait time.Duration) (packets.Packet, error) {
	if r.end != "" {
		return packets.Packet{}, io.EOF
	}
	pk, err := r.c.Next(wait)
	switch {
	case errors.Is(err, mqtttest.ErrTimeout):
		return pk, err
	case err != nil:
		r.end = "closed"
		return pk, err
	}
	switch pk.FixedHeader.Type {
	case packets.Publish:
		r.msgs = append(r.msgs, publishLine(pk.TopicName, pk.Payload, pk.FixedHeader.Qos, pk.FixedHeader.Retain, pk.FixedHeader.Dup))
		switch {
		case pk.FixedHeader.Qos == 1 && r.manual:
			r.pending = append(r.pending, pk.PacketID)
		case pk.FixedHeader.Qos == 1:
			_ = r.c.Send(mqtttest.Ack(pk.PacketID))
		case pk.FixedHeader.Qos == 2:
			_ = r.c.Send(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Pubrec}, PacketID: pk.PacketID})
		}
	case packets.Pubrel:
		_ = r.c.Send(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Pubcomp}, PacketID: pk.PacketID})
	case packets.Disconnect:
		r.end = fmt.Sprintf("disconnect rc=%d", pk.ReasonCode)
	}
	return pk, nil
}

// ack acknowledges the oldest n messages held back.
func (r *rawClient) ack(n int) {
	for ; n > 0 && len(r.pending) > 0; n-- {
		_ = r.c.Send(mqtttest.Ack(r.pending[0]))
		r.pending = r.pending[1:]
	}
}

func (r *rawClient) subscribe(subs ...sub) string {
	var fs packets.Subscriptions
	for _, s := range subs {
		fs = append(fs, packets.Subscription{Filter: s.filter, Qos: s.qos, NoLocal: s.noLocal, RetainAsPublished: s.rap, RetainHandling: s.rh})
	}
	if err := r.c.Send(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Subscribe, Qos: 1}, PacketID: r.id16(), Filters: fs}); err != nil {
		return fmt.Sprintf("suback error %v", err)
	}
	ack, err := r.await(packets.Suback)
	if err != nil {
		return fmt.Sprintf("suback error %v", err)
	}
	return codesLine("suback", ack.ReasonCodes)
}

func (r *rawClient) unsubscribe(filters ...string) string {
	var fs packets.Subscriptions
	for _, f := range filters {
		fs = append(fs, packets.Subscription{Filter: f})
	}
	if err := r.c.Send(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Unsubscribe, Qos: 1}, PacketID: r.id16(), Filters: fs}); err != nil {
		return fmt.Sprintf("unsuback error %v", err)
	}
	ack, err := r.await(packets.Unsuback)
	if err != nil {
		return fmt.Sprintf("unsuback error %v", err)
	}
	if r.version == 5 {
		return codesLine("unsuback", ack.ReasonCodes)
	}
	return "unsuback"
}

func (r *rawClient) publishPacket(m msg) packets.Packet {
	pk := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: m.qos, Retain: m.retain},
		TopicName: m.topic, Payload: []byte(m.payload)}
	if m.qos > 0 {
		pk.PacketID = r.id16()
	}
	if m.expiry != nil {
		pk.Properties.MessageExpiryInterval = *m.expiry
	}
	return pk
}

func (r *rawClient) publish(m msg) string {
	return r.send(r.publishPacket(m))
}

// send sends a PUBLISH and waits for its acknowledgement.
func (r *rawClient) send(pk packets.Packet) string {
	if err := r.c.Send(pk); err != nil {
		return fmt.Sprintf("publish error %v", err)
	}
	switch pk.FixedHeader.Qos {
	case 1:
		ack, err := r.await(packets.Puback)
		if err != nil {
			return fmt.Sprintf("no puback (%s)", r.ended(0))
		}
		return r.ackLine("puback", ack)
	case 2:
		rec, err := r.await(packets.Pubrec)
		if err != nil {
			return fmt.Sprintf("no pubrec (%s)", r.ended(0))
		}
		_ = r.c.Send(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Pubrel, Qos: 1}, PacketID: pk.PacketID})
		comp, err := r.await(packets.Pubcomp)
		if err != nil {
			return fmt.Sprintf("no pubcomp (%s)", r.ended(0))
		}
		return r.ackLine("pubrec", rec) + " " + r.ackLine("pubcomp", comp)
	}
	return ""
}

func (r *rawClient) ackLine(what string, pk packets.Packet) string {
	if r.version == 5 {
		return fmt.Sprintf("%s rc=%d", what, pk.ReasonCode)
	}
	return what
}

func (r *rawClient) received(quiet time.Duration) []string {
	for {
		if _, err := r.next(quiet); err != nil {
			break
		}
	}
	out := r.msgs
	r.msgs = nil
	return out
}

func (r *rawClient) disconnect() {
	_ = r.c.Send(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Disconnect}})
	r.c.Close()
}

func (r *rawClient) drop() { r.c.Close() }

func (r *rawClient) ended(wait time.Duration) string {
	deadline := time.Now().Add(wait)
	for r.end == "" {
		left := time.Until(deadline)
		if left <= 0 {
			return "open"
		}
		if _, err := r.next(left); errors.Is(err, mqtttest.ErrTimeout) {
			return "open"
		}
	}
	return r.end
}
