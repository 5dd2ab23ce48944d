package mqtt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/tidegate/tidegate/shards"
)

// ackWindow bounds the QoS 0/1 messages of one connection being stored at
// once. The broker advertises it as its Receive Maximum, so an MQTT 5
// client never exceeds it; an MQTT 3.1.1 client that does is no longer
// read until a message completes (back-pressure through TCP).
const ackWindow = 256

// pipeline lets one connection's QoS 0/1 messages be stored concurrently
// while keeping what the client and the subscribers see in publish order.
//
// mochi stores nothing itself and acknowledges in processPublish right
// after OnPublish returns (server.go, v2.7.9), so waiting there for
// durability allows one message per round trip to the disk per
// connection. Instead the hook queues the message, starts storing it and
// returns packets.ErrRejectPacket: mochi then neither acknowledges nor
// routes it, and does not count it against the receive quota nor keep it
// in cl.State.Inflight (both happen after OnPublish). The pipeline's
// goroutine takes the messages in arrival order, waits until each is
// durable, then writes its PUBACK (MQTT 3.1.1 §4.6, MQTT 5 §4.6: in the
// order the PUBLISHes arrived) and routes it to subscribers. When one
// cannot be stored the client is disconnected and nothing after it is
// acknowledged or routed: the client redelivers all of it on its next
// connection.
type pipeline struct {
	b      *MochiBroker
	cl     *mochi.Client
	queue  chan *inbound // arrival order; closed by OnDisconnect
	failed atomic.Bool   // a message was refused: the connection is over
	acks   []byte        // MQTT 3.1.1 PUBACKs not yet written (run's own)
}

// inbound is a queued message, or a barrier that a QoS 2 message waits at
// until everything before it is done.
type inbound struct {
	pk      packets.Packet
	stored  chan error    // the ingest outcome; buffered
	barrier chan struct{} // closed when the pipeline reaches it
}

func newPipeline(b *MochiBroker, cl *mochi.Client) *pipeline {
	// The goroutine waiting on a message holds one more than the queue.
	return &pipeline{b: b, cl: cl, queue: make(chan *inbound, ackWindow-1)}
}

// enqueue starts storing pk and queues it for its acknowledgement. It
// blocks while the window is full.
func (p *pipeline) enqueue(pk packets.Packet) {
	if p.failed.Load() {
		return // the connection is ending: the client redelivers
	}
	m := &inbound{pk: pk, stored: make(chan error, 1)}
	select {
	case p.queue <- m:
	case <-p.b.ctx.Done():
		return
	}
	// Records are queued for storage here, on the client's read loop, so
	// one client's messages reach each stream in the order they arrived;
	// only the wait for durability runs on its own goroutine.
	wait := p.b.ingest(p.cl.ID, pk.TopicName, pk.Payload)
	if !p.b.spawn(func() { m.stored <- wait(p.b.ctx) }) {
		m.stored <- ErrBrokerClosed
	}
}

// drain waits until every message queued before now is done, and reports
// whether the connection is still good.
func (p *pipeline) drain() bool {
	m := &inbound{barrier: make(chan struct{})}
	select {
	case p.queue <- m:
	case <-p.b.ctx.Done():
		return false
	}
	select {
	case <-m.barrier:
	case <-p.b.ctx.Done():
		return false
	}
	return !p.failed.Load()
}

// run acknowledges and routes the queued messages in order until the
// connection ends or the broker closes. The PUBACKs of messages that are
// durable one after another go out in one write (MQTT 3.1.1; MQTT 5
// acknowledgements, which may carry properties, go through mochi).
func (p *pipeline) run() {
	ctx := p.b.ctx
	var next *inbound
	for {
		m := next
		next = nil
		if m == nil {
			p.flushAcks()
			select {
			case m = <-p.queue:
				if m == nil {
					return // closed: the connection is over and all is done
				}
			case <-ctx.Done():
				return
			}
		}
		if m.barrier != nil {
			p.flushAcks()
			close(m.barrier)
			continue
		}
		if p.failed.Load() {
			continue
		}
		var err error
		select {
		case err = <-m.stored:
		default:
			p.flushAcks() // do not hold earlier acknowledgements while waiting
			select {
			case err = <-m.stored:
			case <-ctx.Done():
				return
			}
		}
		if err != nil {
			p.flushAcks()
			p.fail(m.pk, err)
			continue
		}
		p.complete(m.pk)
		select {
		case n := <-p.queue:
			if n == nil {
				p.flushAcks()
				return
			}
			next = n
		default:
		}
	}
}

// complete routes a durable message and acknowledges it, as mochi's
// processPublish would have. Routed first: routing stores a retained
// message (and queues it for offline persistent sessions) in the session
// store, which must be durable before the publisher hears the message is
// kept; acknowledged first, an MQTT 5 client's retained message was lost
// to a power cut right after its PUBACK.
func (p *pipeline) complete(pk packets.Packet) {
	p.b.route(pk)
	if pk.FixedHeader.Qos == 1 {
		if p.cl.Properties.ProtocolVersion < 5 {
			// MQTT 3.1.1: PUBACK is four bytes, with no properties.
			p.acks = append(p.acks, packets.Puback<<4, 2, byte(pk.PacketID>>8), byte(pk.PacketID))
			if len(p.acks) >= 4096 {
				p.flushAcks()
			}
		} else {
			// processPublish's buildAck inherits the PUBLISH's properties
			// (encoding keeps only those a PUBACK may carry) but sends
			// reason code 0x01 when there are some, which MQTT 5 does not
			// define for a PUBACK; 0x00 is Success.
			props := pk.Properties
			if p.b.srv.Options.Capabilities.Compatibilities.NoInheritedPropertiesOnAck {
				props = packets.Properties{}
			}
			// A closed connection refuses the write: the client redelivers.
			_ = p.cl.WritePacket(packets.Packet{
				FixedHeader: packets.FixedHeader{Type: packets.Puback},
				PacketID:    pk.PacketID,
				ReasonCode:  packets.CodeSuccess.Code,
				Properties:  props,
			})
		}
	}
}

// flushAcks writes the gathered MQTT 3.1.1 PUBACKs in one write, under
// the client's lock as mochi's own writes are. A failed write means the
// connection is gone: the client redelivers what it did not hear about.
func (p *pipeline) flushAcks() {
	if len(p.acks) == 0 {
		return
	}
	p.cl.Lock()
	if p.cl.Net.Conn != nil && !p.cl.Closed() {
		_, _ = p.cl.Net.Conn.Write(p.acks)
	}
	p.cl.Unlock()
	p.acks = p.acks[:0]
}

// fail ends the connection so the client redelivers pk and all after it.
func (p *pipeline) fail(pk packets.Packet, err error) {
	p.failed.Store(true)
	p.b.refuse(p.cl, pk, err)
}

// route hands a stored message to mochi for its subscribers and retained
// store, through an inline client: processPublish skips the ACL, the
// receive quota and acknowledgements for it and calls
// publishToSubscribers (server.go, v2.7.9). processPublish makes the
// inline client the message's origin; the publisher's id rides along in
// Connect.ClientIdentifier, which a PUBLISH does not use, and the ingest
// hook puts it back, so that a subscription of the publisher with No
// Local (MQTT 5) does not receive its own message.
func (b *MochiBroker) route(pk packets.Packet) {
	if !pk.FixedHeader.Retain && !b.hasSubscribers(pk.TopicName) {
		return // sensors publishing to the gateway alone: nothing to route
	}
	pk.Connect.ClientIdentifier = pk.Origin
	pk.Properties.TopicAlias, pk.Properties.TopicAliasFlag = 0, false // resolved already; the publisher's
	if err := b.srv.InjectPacket(b.router, pk); err != nil {
		b.log.Warn("mqtt: routing a stored message", "topic", pk.TopicName, "error", err)
	}
}

// refuse disconnects a client whose message could not be stored. A client
// redelivers an unacknowledged QoS 1/2 PUBLISH only when it reconnects
// (MQTT 3.1.1 §4.4, MQTT 5 §4.4). A v5 client is told why.
func (b *MochiBroker) refuse(cl *mochi.Client, pk packets.Packet, err error) {
	full := errors.Is(err, shards.ErrDiskFull)
	level := slog.LevelWarn
	if full {
		level = slog.LevelDebug // the disk guard logs the state once, not each client
	}
	b.log.Log(context.Background(), level, "mqtt: message not stored, client disconnected to redeliver",
		"client", cl.ID, "topic", pk.TopicName, "qos", pk.FixedHeader.Qos, "error", err)
	if cl.Properties.ProtocolVersion == 5 {
		code := packets.ErrServerBusy
		switch {
		case errors.Is(err, context.Canceled) || errors.Is(err, ErrBrokerClosed):
			code = packets.ErrServerShuttingDown
		case full:
			code = packets.ErrQuotaExceeded
		}
		_ = b.srv.DisconnectClient(cl, code)
		return
	}
	cl.Stop(fmt.Errorf("mqtt: message not stored: %w", err))
}

// hasSubscribers reports whether any client or inline subscription matches topic.
func (b *MochiBroker) hasSubscribers(topic string) bool {
	subs := b.srv.Topics.Subscribers(topic)
	return len(subs.Subscriptions) > 0 || len(subs.Shared) > 0 || len(subs.InlineSubscriptions) > 0
}
