package endpoint

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"time"

	"github.com/tidegate/tidegate/uplink"
)

var _ uplink.Sink = (*Sink)(nil)

// Sink sends batches to one HTTP endpoint. It keeps connections open
// between batches and is safe for concurrent use, so deliveries may share
// it.
type Sink struct {
	url        string
	logURL     string
	accessKey  string
	sourceARN  string
	attributes string
	gzip       bool
	maxBody    int
	timeout    time.Duration
	userAgent  string
	client     *http.Client
	transport  *http.Transport
	log        *slog.Logger
}

// New validates cfg and builds the sink. It does not reach the endpoint: a
// gateway starts while the network is away, and the first Send tells.
func New(cfg Config) (*Sink, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Sink{
		url:       cfg.URL,
		logURL:    redactURL(cfg.URL),
		accessKey: cfg.AccessKey,
		sourceARN: cfg.SourceARN,
		gzip:      cfg.Compression == CompressionGzip,
		maxBody:   cfg.MaxRequestSize,
		timeout:   cfg.RequestTimeout,
		userAgent: userAgent(),
		log:       cfg.Logger.With("sink", "http", "url", redactURL(cfg.URL)),
	}
	if len(cfg.CommonAttributes) > 0 {
		s.attributes = commonAttributesHeader(cfg.CommonAttributes)
	}
	s.transport = &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       cfg.TLSConfig,
		TLSHandshakeTimeout:   10 * time.Second,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          16,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
		// Responses must not be content-encoded: do not ask for gzip.
		DisableCompression: true,
	}
	s.client = &http.Client{
		Transport: s.transport,
		// Firehose does not follow redirects; a 3xx is a failed attempt.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return s, nil
}

// Close drops idle connections.
func (s *Sink) Close() error {
	s.transport.CloseIdleConnections()
	return nil
}

// Send delivers b in as many requests as max_request_size and the protocol's
// 10,000 records per request require, one after another.
//
// A request the endpoint refuses as too large (413) is split in halves, each
// sent on its own, down to a single record, which alone is refused for good.
//
// When every request fails the first error is returned as is (permanent for
// a 413, unreachable for a transport failure, plain otherwise). When some
// succeed, a *uplink.PartialError lists the records of the others: Permanent
// when all of them failed permanently. Requests after a retryable failure are
// not attempted (their records are listed as failed with the same error), so
// records of a shard are not delivered out of order more than a retry needs.
func (s *Sink) Send(ctx context.Context, b *uplink.Batch) error {
	if len(b.Records) == 0 {
		return nil
	}
	arn := s.sourceARN
	if arn == "" {
		arn = DefaultSourceARN(b.Delivery)
	}

	var failed []uplink.RecordError
	idx := make([]int, 0, len(b.Records))
	for i := range b.Records {
		if n := len(b.Records[i].Data); n > MaxRecordSize {
			failed = append(failed, uplink.RecordError{Index: i, Code: CodeRecordTooLarge,
				Message: fmt.Sprintf("record of %d bytes is over the protocol's %d", n, MaxRecordSize)})
			continue
		}
		idx = append(idx, i)
	}
	tooLarge := len(failed)

	r := &sendResult{}
	for part := range s.parts(b.Records, idx) {
		s.sendPart(ctx, b, arn, part, r)
	}
	failed = append(failed, r.failed...)
	permErr, retryErr, delivered, unsent := r.permErr, r.retryErr, r.delivered, r.unsent

	switch {
	case len(failed) == 0:
		return nil
	case delivered == 0 && retryErr != nil && (unsent == 0 || !uplink.IsMaybeDelivered(retryErr)):
		// Nothing got through, and every record failed alike: the batch
		// is retried as a whole, which keeps an unreachable endpoint's
		// wait-without-counting. (When a request that may have arrived
		// was followed by ones never sent, the PartialError below tells
		// the engine which records the endpoint may hold already.)
		return retryErr
	case delivered == 0 && retryErr == nil && tooLarge == 0:
		return permErr
	}
	slices.SortFunc(failed, func(a, b uplink.RecordError) int { return a.Index - b.Index })
	return &uplink.PartialError{Failed: failed, Permanent: retryErr == nil, Unreachable: uplink.IsUnreachable(retryErr)}
}

// sendResult is what the requests of a batch came to.
type sendResult struct {
	delivered int
	failed    []uplink.RecordError
	// permErr is the first permanent refusal; retryErr the retryable
	// failure that stopped the batch, after which nothing is sent and the
	// records are counted in unsent.
	permErr, retryErr error
	unsent            int
}

// sendPart sends the records at part in one request, or in halves when the
// endpoint says it is too large (413), and adds what came of it to r.
func (s *Sink) sendPart(ctx context.Context, b *uplink.Batch, arn string, part []int, r *sendResult) {
	if r.retryErr != nil {
		r.failed = appendFailed(r.failed, part, r.retryErr, false)
		r.unsent += len(part)
		return
	}
	err := s.post(ctx, b, arn, part)
	_, perm := uplink.IsPermanent(err)
	switch {
	case err == nil:
		r.delivered += len(part)
		return
	case perm && tooLarge(err) && len(part) > 1:
		half := len(part) / 2
		s.sendPart(ctx, b, arn, part[:half], r)
		s.sendPart(ctx, b, arn, part[half:], r)
		return
	case perm:
		r.permErr = cmp.Or(r.permErr, err)
	default:
		r.retryErr = err
	}
	r.failed = appendFailed(r.failed, part, err, uplink.IsMaybeDelivered(err))
}

// tooLarge reports whether err is the endpoint's 413.
func tooLarge(err error) bool {
	var re *ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusRequestEntityTooLarge
}

// parts yields the indexes of the records of each request: as many records
// as fit in maxBody (a record bigger than that on its own goes alone, since
// a request carries at least one) and at most MaxRecords.
func (s *Sink) parts(recs []uplink.Record, idx []int) func(yield func([]int) bool) {
	return func(yield func([]int) bool) {
		start, size := 0, bodyOverhead
		for n, i := range idx {
			rs := recordSize(&recs[i])
			if n > start && (size+rs > s.maxBody || n-start == MaxRecords) {
				if !yield(idx[start:n]) {
					return
				}
				start, size = n, bodyOverhead
			}
			size += rs
		}
		if start < len(idx) {
			yield(idx[start:])
		}
	}
}

// appendFailed lists the records of part as failed with err; maybe says
// whether the endpoint may hold them all the same (their request went out).
func appendFailed(failed []uplink.RecordError, part []int, err error, maybe bool) []uplink.RecordError {
	code, msg := errorCode(err), err.Error()
	for _, i := range part {
		failed = append(failed, uplink.RecordError{Index: i, Code: code, Message: msg, MaybeDelivered: maybe})
	}
	return failed
}

// post sends one request and reads its response.
func (s *Sink) post(ctx context.Context, b *uplink.Batch, arn string, part []int) error {
	e := encoders.Get().(*encoder)
	var id string
	id, e.scratch = requestID(e.scratch, b.Delivery, b.Records, part)
	size := bodyOverhead
	for _, i := range part {
		size += recordSize(&b.Records[i])
	}
	e.raw = slices.Grow(e.raw[:0], size)
	e.raw = appendBody(e.raw, id, time.Now().UnixMilli(), b.Records, part)
	body := e.raw
	if s.gzip {
		var err error
		if body, err = e.compress(); err != nil {
			encoders.Put(e)
			return fmt.Errorf("endpoint: request %s: gzip: %w", id, err)
		}
	}
	bodies := &requestBodies{buf: body}
	defer func() {
		// A buffer the transport may still read is left to the collector.
		if bodies.released(time.Second) {
			encoders.Put(e)
		}
	}()

	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, http.NoBody)
	if err != nil {
		return fmt.Errorf("endpoint: request %s: %w", id, err)
	}
	req.Body, _ = bodies.open()
	req.GetBody = bodies.open
	req.ContentLength = int64(len(body))
	h := req.Header
	h[HeaderProtocolVersion] = []string{ProtocolVersion}
	h[HeaderRequestID] = []string{id}
	h[HeaderSourceARN] = []string{arn}
	h["Content-Type"] = []string{"application/json"}
	h["User-Agent"] = []string{s.userAgent}
	if s.gzip {
		h["Content-Encoding"] = []string{"gzip"}
	}
	if s.accessKey != "" {
		h[HeaderAccessKey] = []string{s.accessKey}
	}
	if s.attributes != "" {
		h[HeaderCommonAttributes] = []string{s.attributes}
	}
	// The request id makes a repeat harmless: let the transport resend on a
	// fresh connection when a kept-alive one turns out to be closed, instead
	// of failing the batch into a backoff. (A nil value marks the request
	// idempotent without sending the header.)
	h["X-Idempotency-Key"] = nil

	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return transportError(id, s.logURL, err)
	}
	err = checkResponse(resp, id)
	s.log.LogAttrs(ctx, slog.LevelDebug, "http endpoint request",
		slog.String("delivery", b.Delivery), slog.String("request_id", id),
		slog.Int("records", len(part)), slog.Int("bytes", len(e.raw)), slog.Int("wire_bytes", len(body)),
		slog.Int("status", resp.StatusCode), slog.Duration("took", time.Since(start)),
		slog.Bool("ok", err == nil))
	return err
}

// DefaultSourceARN is the X-Amz-Firehose-Source-Arn of a delivery whose
// configuration names none: an ARN in the shape Firehose sends, with a
// "local" region and a zero account, since the delivery stream lives on the
// gateway.
func DefaultSourceARN(delivery string) string {
	return "arn:aws:firehose:local:000000000000:deliverystream/" + delivery
}

// commonAttributesHeader encodes the attributes as the header carries them,
// non-ASCII characters escaped so the value is plain ASCII.
func commonAttributesHeader(attrs map[string]string) string {
	js, _ := json.Marshal(struct {
		CommonAttributes map[string]string `json:"commonAttributes"`
	}{attrs}) // a map of strings always marshals
	var b []byte
	for _, r := range string(js) {
		switch {
		case r < 0x80:
			b = append(b, byte(r))
		case r > 0xffff:
			r -= 0x10000
			b = fmt.Appendf(b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			b = fmt.Appendf(b, `\u%04x`, r)
		}
	}
	return string(b)
}

func userAgent() string {
	v := "dev"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	return "tidegate/" + v + " (firehose-http-endpoint/" + ProtocolVersion + ")"
}
