package kafka

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tidegate/tidegate/uplink"
)

// Header keys every produced record carries, so a consumer can trace a
// record back to its stream and sequence number on the gateway.
const (
	HeaderStream   = "tidegate-stream"
	HeaderSequence = "tidegate-sequence"
)

// Sink produces batches to one Kafka topic. It is safe for concurrent use.
type Sink struct {
	cl      *kgo.Client
	topic   string
	timeout time.Duration
	conns   *connWatch

	mu sync.Mutex
	// abandoned holds, per delivery, the last Send that returned before
	// all its records were settled (see settle).
	abandoned map[string]*waiter
}

var _ uplink.Sink = (*Sink)(nil)

// New validates cfg and builds the producer client. It does not connect:
// franz-go dials on first use, so a gateway that starts offline still
// builds its deliveries, and the records wait in their streams. ctx is not
// kept.
func New(_ context.Context, cfg Config) (*Sink, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opts, err := clientOptions(cfg)
	if err != nil {
		return nil, err
	}
	conns := &connWatch{}
	cl, err := kgo.NewClient(append(opts, kgo.WithHooks(conns))...)
	if err != nil {
		return nil, fmt.Errorf("%w: kafka: %w", uplink.ErrConfig, err)
	}
	return &Sink{cl: cl, topic: cfg.Topic, timeout: cfg.timeout(), conns: conns, abandoned: map[string]*waiter{}}, nil
}

// Send produces every record of b and waits until each is acknowledged or
// failed.
//
// Each record is produced under a context that ends after the sink's
// timeout or when Send returns: franz-go then fails the records it has not
// yet written to a broker, so nothing of an abandoned Send lingers in the
// client to be produced again next to its retry. Records already on the
// wire cannot be failed (the idempotent producer must learn their fate),
// so Send stops waiting for them at twice the timeout or when ctx ends,
// and the delivery's next Send first waits for their fate and skips those
// Kafka acknowledged. Records are copied because the client may still hold
// them after Send returns.
func (s *Sink) Send(ctx context.Context, b *uplink.Batch) error {
	n := len(b.Records)
	if n == 0 {
		return nil
	}
	delivered, err := s.settle(ctx, b.Delivery)
	if err != nil {
		return err
	}
	pctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	w := newWaiter(n)
	buf := make([]byte, 0, b.Bytes)
	for i := range b.Records {
		r := &b.Records[i]
		if delivered[recordID(r)] {
			w.finish(i, nil)
			continue
		}
		start := len(buf)
		buf = append(buf, r.Data...)
		rec := &kgo.Record{
			Topic:     s.topic,
			Key:       []byte(r.PartitionKey),
			Value:     buf[start:len(buf):len(buf)],
			Timestamp: r.Arrival,
			Headers: []kgo.RecordHeader{
				{Key: HeaderStream, Value: []byte(r.Stream)},
				{Key: HeaderSequence, Value: []byte(r.Sequence)},
			},
		}
		s.cl.Produce(pctx, rec, func(_ *kgo.Record, err error) {
			if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("%s: %w", s.conns.explain(fmt.Sprintf("no broker acknowledged within %s", s.timeout)), err)
			}
			w.finish(i, err)
		})
	}

	limit := time.NewTimer(2 * s.timeout)
	defer limit.Stop()
	select {
	case <-w.done:
		return outcome(s.topic, w.errs)
	case <-ctx.Done():
		err = uplink.Classify(fmt.Errorf("kafka: produce to topic %q: %d of %d records unacknowledged: %w", s.topic, w.pending(), n, ctx.Err()))
	case <-limit.C:
		err = uplink.Unreachable(fmt.Errorf("kafka: produce to topic %q: %s", s.topic,
			s.conns.explain(fmt.Sprintf("%d of %d records unacknowledged after %s", w.pending(), n, 2*s.timeout))))
	}
	s.abandon(b, w)
	return err
}

// abandon remembers a Send that returned while the client still held some
// of its records.
func (s *Sink) abandon(b *uplink.Batch, w *waiter) {
	w.ids = make([]string, len(b.Records))
	for i := range b.Records {
		w.ids[i] = recordID(&b.Records[i])
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.abandoned[b.Delivery] = w
}

// settle waits for the records an abandoned Send of the delivery left in
// the client and returns the ids of those Kafka acknowledged, which the
// retry must not produce twice. While they are still in flight the
// destination counts as unreachable: producing the retry behind them
// would only pile up copies.
func (s *Sink) settle(ctx context.Context, delivery string) (map[string]bool, error) {
	s.mu.Lock()
	w := s.abandoned[delivery]
	s.mu.Unlock()
	if w == nil {
		return nil, nil
	}
	t := time.NewTimer(s.timeout)
	defer t.Stop()
	select {
	case <-w.done:
	case <-ctx.Done():
		return nil, uplink.Classify(fmt.Errorf("kafka: topic %q: waiting for %d records of an earlier attempt: %w", s.topic, w.pending(), ctx.Err()))
	case <-t.C:
		return nil, uplink.Unreachable(fmt.Errorf("kafka: topic %q: %s", s.topic,
			s.conns.explain(fmt.Sprintf("%d records of an earlier attempt still unacknowledged", w.pending()))))
	}
	s.mu.Lock()
	delete(s.abandoned, delivery)
	s.mu.Unlock()
	delivered := make(map[string]bool, len(w.ids))
	for i, err := range w.errs {
		if err == nil {
			delivered[w.ids[i]] = true
		}
	}
	return delivered, nil
}

// recordID names a record across attempts: sequence numbers are unique
// within a stream.
func recordID(r *uplink.Record) string { return r.Stream + "\x00" + r.Sequence }

// Close fails records still buffered and closes the connections.
func (s *Sink) Close() error {
	s.cl.Close()
	return nil
}
