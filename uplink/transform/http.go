package transform

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/tidegate/tidegate/uplink"
)

var (
	_ uplink.Transformer      = (*HTTP)(nil)
	_ uplink.TransformRetrier = (*HTTP)(nil)
)

// HTTP is a transform behind an HTTP endpoint: each invocation is a POST of
// the event, answered by a 200 carrying the response JSON (a Lambda
// function URL or API Gateway route in front of a Firehose transform
// function works as is). Safe for concurrent use.
type HTTP struct {
	cfg         Invocation
	url, logURL string
	headers     http.Header
	maxAnswer   int64
	client      *http.Client
	transport   *http.Transport
	log         *slog.Logger
}

// NewHTTP validates cfg and builds the transform; it does not reach the
// endpoint.
func NewHTTP(cfg HTTPConfig) (*HTTP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Invocation = cfg.Invocation.withDefaults()
	h := &HTTP{
		cfg:     cfg.Invocation,
		url:     cfg.URL,
		logURL:  redactURL(cfg.URL),
		headers: make(http.Header, len(cfg.Headers)+2),
		// A transform may grow records; Lambda caps an answer at 6 MiB.
		maxAnswer: int64(max(DefaultMaxPayload, 2*cfg.MaxPayload)),
		log:       cfg.Logger.With("transform", "http", "url", redactURL(cfg.URL)),
	}
	for k, v := range cfg.Headers {
		h.headers.Set(k, v)
	}
	h.headers.Set("Content-Type", "application/json")
	if h.headers.Get("User-Agent") == "" {
		h.headers.Set("User-Agent", "tidegate-transform")
	}
	h.transport = &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout: 10 * time.Second,
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
	}
	h.client = &http.Client{Transport: h.transport}
	return h, nil
}

// Transform sends recs in as many invocations as max_records and
// max_payload require.
func (h *HTTP) Transform(ctx context.Context, delivery string, recs []uplink.TransformRecord) ([]uplink.TransformResult, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	return run(ctx, h.cfg, h.log, delivery, recs, h.invoke)
}

// Retries is how many times the delivery calls again after a failed call.
func (h *HTTP) Retries() int { return h.cfg.retries() }

// Close drops idle connections.
func (h *HTTP) Close() error {
	h.transport.CloseIdleConnections()
	return nil
}

func (h *HTTP) invoke(ctx context.Context, event []byte, chunk []uplink.TransformRecord) ([]uplink.TransformResult, []problem, error) {
	answer, err := h.post(ctx, event)
	if err != nil {
		return nil, nil, err
	}
	return parseResponse(answer, chunk)
}

func (h *HTTP) post(ctx context.Context, event []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(event))
	if err != nil {
		return nil, err
	}
	for k, v := range h.headers {
		req.Header[k] = v
	}
	resp, err := h.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // it quotes the whole URL, which may hold a token
		}
		return nil, uplink.Classify(fmt.Errorf("post to %s: %w", h.logURL, err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, h.maxAnswer+1))
	switch {
	case err != nil:
		return nil, uplink.Classify(fmt.Errorf("read answer from %s: %w", h.logURL, err))
	case resp.StatusCode == http.StatusTooManyRequests:
		return nil, coded(uplink.CodeInvokeLimitExceeded, fmt.Errorf("%s answered %s: %s", h.logURL, resp.Status, snippet(body)))
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%s answered %s: %s", h.logURL, resp.Status, snippet(body))
	case int64(len(body)) > h.maxAnswer:
		return nil, fmt.Errorf("%s answered over %d bytes", h.logURL, h.maxAnswer)
	}
	return body, nil
}

// redactURL keeps scheme, host and path: a query or user info may hold a
// token.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid url)"
	}
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return r.String()
}

// snippet is the start of a body, for an error message.
func snippet(b []byte) string {
	const max = 256
	if len(b) > max {
		return fmt.Sprintf("%q…", b[:max])
	}
	return fmt.Sprintf("%q", b)
}
