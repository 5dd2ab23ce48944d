package nats

import (
	"context"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tidegate/tidegate/uplink"
)

// Header keys every published message carries besides Nats-Msg-Id.
const (
	HeaderPartitionKey = "Tidegate-Partition-Key"
	HeaderStream       = "Tidegate-Stream"
)

// Sink publishes batches to JetStream. It is safe for concurrent use.
type Sink struct {
	nc         *nats.Conn
	js         jetstream.JetStream
	subject    subject
	maxPending int
}

var _ uplink.Sink = (*Sink)(nil)

// New validates cfg and connects. A server that does not answer is no
// error: the connection keeps trying in the background, Send reports the
// destination unreachable meanwhile, and the records wait in their
// streams. ctx is not kept.
func New(_ context.Context, cfg Config) (*Sink, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	subj, err := parseSubject(cfg.Subject)
	if err != nil {
		return nil, fmt.Errorf("%w: nats: subject: %w", uplink.ErrConfig, err)
	}
	opts, err := connectOptions(cfg)
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect(cfg.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("nats: connect %s: %w", cfg.URL, err)
	}
	// The library's bound is set above a Send's own window so that
	// deliveries sharing the sink rarely stall one another.
	js, err := jetstream.New(nc,
		jetstream.WithPublishAsyncMaxPending(4*cfg.maxPending()),
		jetstream.WithPublishAsyncTimeout(cfg.timeout()),
	)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats: jetstream: %w", err)
	}
	return &Sink{nc: nc, js: js, subject: subj, maxPending: cfg.maxPending()}, nil
}

// inflight is a published message waiting for its acknowledgement.
type inflight struct {
	index  int
	future jetstream.PubAckFuture
}

// Send publishes every record of b asynchronously, at most maxPending
// unacknowledged at a time, in order, and waits for every acknowledgement.
// A duplicate acknowledgement (the stream had the message id already)
// counts as delivered.
func (s *Sink) Send(ctx context.Context, b *uplink.Batch) error {
	n := len(b.Records)
	if n == 0 {
		return nil
	}
	if !s.nc.IsConnected() {
		err := fmt.Errorf("nats: %s: %w", s.nc.Status(), nats.ErrDisconnected)
		if last := s.nc.LastError(); last != nil {
			err = fmt.Errorf("%w (last error: %v)", err, last)
		}
		return uplink.Unreachable(err)
	}
	errs := make([]error, n)
	subjects := make([]string, n)
	// The library keeps a message until it is acknowledged, possibly
	// after Send returned: it gets copies, not the batch's bytes.
	buf := make([]byte, 0, b.Bytes)
	window := make([]inflight, 0, min(n, s.maxPending))
	for i := range b.Records {
		if len(window) == s.maxPending {
			if err := await(ctx, window[0], errs); err != nil {
				return abandoned(err, n, len(window))
			}
			window = window[1:]
		}
		r := &b.Records[i]
		start := len(buf)
		buf = append(buf, r.Data...)
		subjects[i] = s.subject.expand(r)
		msg := &nats.Msg{Subject: subjects[i], Data: buf[start:len(buf):len(buf)], Header: nats.Header{
			jetstream.MsgIDHeader: {msgID(b.Delivery, r)},
			HeaderPartitionKey:    {headerValue(r.PartitionKey)},
			HeaderStream:          {headerValue(r.Stream)},
		}}
		f, err := s.js.PublishMsgAsync(msg)
		if err != nil {
			errs[i] = err
			continue
		}
		window = append(window, inflight{index: i, future: f})
	}
	for j, p := range window {
		if err := await(ctx, p, errs); err != nil {
			return abandoned(err, n, len(window)-j)
		}
	}
	return outcome(subjects, errs)
}

// await waits for one acknowledgement and records its result; it returns
// an error only when ctx ends first.
func await(ctx context.Context, p inflight, errs []error) error {
	select {
	case <-p.future.Ok():
	case err := <-p.future.Err():
		errs[p.index] = err
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// abandoned is Send's answer when ctx ended with acknowledgements
// outstanding. Their message ids make the retry safe: JetStream drops the
// copies of those it stored.
func abandoned(err error, n, left int) error {
	return uplink.Classify(fmt.Errorf("nats: publish: %d of %d records unacknowledged: %w", left, n, err))
}

// msgID is the record's Nats-Msg-Id: the same record gets the same id on
// every attempt, so JetStream's duplicate window stores it once.
func msgID(delivery string, r *uplink.Record) string {
	return headerValue(delivery + ":" + r.Stream + ":" + r.Sequence)
}

// headerValue keeps a value from breaking the header block: NATS headers
// are lines, so CR and LF become spaces.
func headerValue(v string) string {
	if !strings.ContainsAny(v, "\r\n") {
		return v
	}
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
}

// Close closes the connection; acknowledgements still outstanding are
// abandoned (their records are retried, and deduplicated, by the delivery).
func (s *Sink) Close() error {
	s.nc.Close()
	return nil
}
