package mqtt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidegate/tidegate/devices/decode"
	"github.com/tidegate/tidegate/shards"
)

// Writer stores records durably; *ingest.Writer is the real one.
type Writer interface {
	// Enqueue queues records for stream behind those enqueued before and
	// returns at once; the function returned waits until they are
	// durable. Records of one partition key are stored in the order they
	// were enqueued.
	Enqueue(stream string, records []shards.PutEntry) func(context.Context) error
	// DeadLetter returns once the message is durable in the dead-letter stream.
	DeadLetter(ctx context.Context, source, topic string, payload []byte, reason error) error
}

// Observer learns every stored reading, for the device registry. Seen is
// called after the reading is durable, on the message's goroutine: it must
// not block.
type Observer interface {
	Seen(device, source string, values map[string]any, at time.Time)
}

// DecoderEnv gives the decoder of a subscription reading from broker ("" for
// the embedded one) what it needs to answer devices: the gateway publishes
// its replies with Service.Publish on that broker. decoder is the decoder's
// type.
type DecoderEnv func(broker, decoder string) decode.Env

// Raw stores each payload as one record, as is.
type Raw struct{}

// Decode implements decode.Decoder.
func (Raw) Decode(m decode.Message) ([]decode.Reading, error) {
	return []decode.Reading{{Data: m.Payload}}, nil
}

// Subscription is a compiled SubscriptionConfig.
type Subscription struct {
	Config  SubscriptionConfig
	Decoder decode.Decoder
	stream  template
	device  template
	stats   Counters
}

func compile(c SubscriptionConfig) (*Subscription, error) {
	if err := validFilter(c.Topic); err != nil {
		return nil, err
	}
	if c.Stream == "" {
		return nil, fmt.Errorf("%w: topic %q: stream is empty", ErrBadTemplate, c.Topic)
	}
	if c.QoS > 2 {
		return nil, fmt.Errorf("mqtt: topic %q: qos %d", c.Topic, c.QoS)
	}
	st, err := parseTemplate(c.Stream)
	if err != nil {
		return nil, fmt.Errorf("stream: %w", err)
	}
	if !st.fromTopic() {
		return nil, fmt.Errorf("%w: stream %q: only topic levels may name the stream", ErrBadTemplate, c.Stream)
	}
	dev := c.Device
	if dev == "" {
		dev = "{0}"
	}
	dt, err := parseTemplate(dev)
	if err != nil {
		return nil, fmt.Errorf("device: %w", err)
	}
	return &Subscription{Config: c, Decoder: Raw{}, stream: st, device: dt}, nil
}

// Counters are a subscription's or a broker's message counters.
type Counters struct {
	Messages     atomic.Uint64 // messages received
	Records      atomic.Uint64 // records stored
	DeadLettered atomic.Uint64 // messages sent to the dead-letter stream
	Refused      atomic.Uint64 // messages not acknowledged, so redelivered
	// DiskFull counts the refused messages that a full data directory
	// refused (the disk guard keeps its reserve for bookkeeping).
	DiskFull atomic.Uint64
	// Unmatched messages matched no subscription: dead-lettered (and counted
	// there too), or Relayed when the embedded broker had a client
	// subscribed to their topic.
	Unmatched atomic.Uint64
	Relayed   atomic.Uint64
}

// CounterValues is a snapshot of Counters.
type CounterValues struct {
	Messages, Records, DeadLettered, Refused, Unmatched, Relayed, DiskFull uint64
}

func (c *Counters) snapshot() CounterValues {
	return CounterValues{c.Messages.Load(), c.Records.Load(), c.DeadLettered.Load(), c.Refused.Load(),
		c.Unmatched.Load(), c.Relayed.Load(), c.DiskFull.Load()}
}

// ErrNoSubscription is the dead-letter reason of a message no subscription
// matched.
var ErrNoSubscription = errors.New("mqtt: no subscription matches the topic")

// router sends one source's messages through its subscriptions.
type router struct {
	source   string // "embedded" or a broker name
	subs     []*Subscription
	writer   Writer
	observer Observer
	now      func() time.Time
	log      *slog.Logger
	stats    Counters
	// relays reports whether the broker hands a message on topic to a
	// client subscribed to it; nil for an external broker, whose other
	// clients are not ours to count on.
	relays    func(topic string) bool
	unmatched unmatchedLog
}

// enqueue starts storing a message without waiting: its records queue
// behind those of every message enqueued before it, so a caller that
// enqueues in arrival order has each device's records stored in that
// order. The message may be acknowledged once wait returns nil.
func (r *router) enqueue(topic string, payload []byte) *pending {
	p := &pending{r: r, topic: topic, payload: payload}
	for _, s := range r.subs {
		if !matchFilter(s.Config.Topic, topic) {
			continue
		}
		if len(p.deliveries) == 0 {
			r.stats.Messages.Add(1)
		}
		s.stats.Messages.Add(1)
		d := r.prepare(s, topic, payload)
		if d.err == nil {
			d.wait = r.writer.Enqueue(d.stream, d.recs)
		}
		p.deliveries = append(p.deliveries, d)
	}
	if len(p.deliveries) == 0 {
		r.stats.Messages.Add(1)
		r.stats.Unmatched.Add(1)
	}
	return p
}

// pending is an enqueued message.
type pending struct {
	r          *router
	topic      string
	payload    []byte
	deliveries []*delivery
}

// wait returns nil once the message is durable in every stream it maps to
// (or dead-lettered): then, and only then, it may be acknowledged. An error
// means it must not be.
func (p *pending) wait(ctx context.Context) error {
	if len(p.deliveries) == 0 {
		return p.r.settleUnmatched(ctx, p.topic, p.payload)
	}
	for _, d := range p.deliveries {
		if d.err == nil {
			d.err = d.wait(ctx)
		}
		if err := p.r.settle(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// delivery is a message on its way to one subscription's stream.
type delivery struct {
	s        *Subscription
	topic    string
	payload  []byte
	stream   string
	recs     []shards.PutEntry
	readings []decode.Reading
	wait     func(context.Context) error // the enqueued put
	err      error                       // decoding's, then the put's
}

// prepare decodes a message for subscription s.
func (r *router) prepare(s *Subscription, topic string, payload []byte) *delivery {
	d := &delivery{s: s, topic: topic, payload: payload}
	d.recs, d.readings, d.err = r.records(s, topic, payload, r.now())
	if d.err == nil {
		d.stream, d.err = s.stream.expand(topic, nil)
	}
	return d
}

// settle counts a delivery whose put is over, and dead-letters it when it
// can never be stored. An error means the message must not be acknowledged.
func (r *router) settle(ctx context.Context, d *delivery) error {
	s, err := d.s, d.err
	switch {
	case err == nil:
		s.stats.Records.Add(uint64(len(d.recs)))
		r.stats.Records.Add(uint64(len(d.recs)))
		r.observe(d.readings)
		return nil
	case d.stream == "":
		// Decoding failed: the payload's fault.
	case errors.Is(err, shards.ErrNotFound):
		err = fmt.Errorf("stream %q: %w", d.stream, err)
	case errors.Is(err, shards.ErrInvalidArgument), errors.Is(err, shards.ErrLimitExceeded):
		// These records can never be stored: keep them aside rather
		// than have the client redeliver them forever.
	default:
		r.refuse(s, err)
		return err // full, disk, closing: not acknowledged
	}
	if dlErr := r.writer.DeadLetter(ctx, r.source, d.topic, d.payload, err); dlErr != nil {
		r.refuse(s, dlErr)
		return dlErr
	}
	s.stats.DeadLettered.Add(1)
	r.stats.DeadLettered.Add(1)
	return nil
}

// refuse counts a message not acknowledged because err, for subscription s
// (nil for one no subscription matched) and the source.
func (r *router) refuse(s *Subscription, err error) {
	full := errors.Is(err, shards.ErrDiskFull)
	for _, c := range []*Counters{&r.stats, subscriptionStats(s)} {
		if c == nil {
			continue
		}
		c.Refused.Add(1)
		if full {
			c.DiskFull.Add(1)
		}
	}
}

func subscriptionStats(s *Subscription) *Counters {
	if s == nil {
		return nil
	}
	return &s.stats
}

// settleUnmatched keeps a message that no subscription matched: a broker
// relays it to the clients subscribed to its topic, and one that reaches
// nobody is dead-lettered, so that nothing acknowledged vanishes. An error
// means it must not be acknowledged.
func (r *router) settleUnmatched(ctx context.Context, topic string, payload []byte) error {
	if r.relays != nil && r.relays(topic) {
		r.stats.Relayed.Add(1)
		return nil
	}
	reason := fmt.Errorf("%w %q (configure mqtt.subscriptions for it)", ErrNoSubscription, topic)
	if err := r.writer.DeadLetter(ctx, r.source, topic, payload, reason); err != nil {
		r.refuse(nil, err)
		return err
	}
	r.stats.DeadLettered.Add(1)
	r.unmatched.report(r.log, r.source, topic, r.now())
	return nil
}

// unmatchedLog reports dead-lettered messages that no subscription matched:
// the first at once, then at most one line a minute with how many came
// meanwhile, so that a chatty client cannot flood the log.
type unmatchedLog struct {
	mu     sync.Mutex
	last   time.Time
	missed int
}

const unmatchedLogEvery = time.Minute

func (u *unmatchedLog) report(log *slog.Logger, source, topic string, now time.Time) {
	u.mu.Lock()
	if !u.last.IsZero() && now.Sub(u.last) < unmatchedLogEvery {
		u.missed++
		u.mu.Unlock()
		return
	}
	missed := u.missed
	u.last, u.missed = now, 0
	u.mu.Unlock()
	log.Warn("mqtt: message matched no subscription: dead-lettered", "source", source, "topic", topic,
		"more_since_last_report", missed, "hint", "configure mqtt.subscriptions, or publish to streams/{stream}/{device}")
}

// records decodes payload into records. An error is the payload's fault.
func (r *router) records(s *Subscription, topic string, payload []byte, arrival time.Time) ([]shards.PutEntry, []decode.Reading, error) {
	readings, err := s.Decoder.Decode(decode.Message{Topic: topic, Payload: payload})
	if err != nil {
		return nil, nil, fmt.Errorf("decode: %w", err)
	}
	recs := make([]shards.PutEntry, 0, len(readings))
	for i := range readings {
		rd := &readings[i]
		if rd.Device == "" {
			if rd.Device, err = s.device.expand(topic, rd.Values); err != nil {
				return nil, nil, fmt.Errorf("device: %w", err)
			}
		}
		if rd.Time.IsZero() {
			rd.Time = arrival
		}
		recs = append(recs, shards.PutEntry{PartitionKey: rd.Device, Data: rd.Data})
	}
	return recs, readings, nil
}

func (r *router) observe(readings []decode.Reading) {
	if r.observer == nil {
		return
	}
	for _, rd := range readings {
		r.observer.Seen(rd.Device, r.source, rd.Values, rd.Time)
	}
}
