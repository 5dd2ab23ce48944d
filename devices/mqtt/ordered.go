package mqtt

import (
	"sync"
	"sync/atomic"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// externalWindow bounds the messages of one external broker connection
// being stored at once. When it is full the paho callback blocks, paho
// stops reading the connection, and the broker holds the rest
// (back-pressure through TCP and its inflight limit).
const externalWindow = 8192

// acker stores one client's messages in arrival order and acknowledges
// them in that order, without storing one message at a time.
//
// paho calls onMessage for one message after the other (SetOrderMatters
// true), on its router goroutine. onMessage only enqueues the message's
// records (router.enqueue → Writer.Enqueue), which keeps each device's
// records in arrival order, and queues the message here. run waits for
// each message to be durable in that same order and then calls msg.Ack:
// paho sends the PUBACK, and MQTT wants PUBACKs in the order the PUBLISHes
// came (MQTT 3.1.1 §4.6). When one message cannot be stored the
// connection is recycled (external.recycle) and nothing after it is
// acknowledged: the broker redelivers all of it.
type acker struct {
	e     *external
	c     paho.Client
	queue chan queued   // arrival order
	done  chan struct{} // closed when run stops: the connection is over
	once  sync.Once

	failed atomic.Bool
}

// queued is a message whose records are enqueued.
type queued struct {
	m paho.Message
	p *pending
}

func (a *acker) onMessage(_ paho.Client, m paho.Message) {
	if a.failed.Load() {
		return // recycling: the broker redelivers
	}
	p := a.e.router.enqueue(m.Topic(), m.Payload())
	select {
	case a.queue <- queued{m, p}:
	case <-a.done:
	case <-a.e.ctx.Done():
	}
}

// run acknowledges the queued messages as they become durable, in order,
// until one fails or the external client closes.
func (a *acker) run() {
	defer a.stop()
	ctx := a.e.ctx
	for {
		var q queued
		select {
		case q = <-a.queue:
		case <-ctx.Done():
			return
		}
		if err := q.p.wait(ctx); err != nil {
			if ctx.Err() == nil {
				a.e.log.Warn("mqtt: message not stored, reconnecting to have it redelivered", "topic", q.m.Topic(), "error", err)
				a.failed.Store(true)
				a.e.recycle(a.c)
			}
			return
		}
		q.m.Ack()
		a.e.stored()
	}
}

func (a *acker) stop() {
	a.once.Do(func() { close(a.done) })
}
