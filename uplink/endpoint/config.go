package endpoint

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/tidegate/tidegate/uplink"
)

// Defaults and bounds of a Config.
const (
	// DefaultMaxRequestSize keeps requests small enough for any receiver
	// and for a small board's memory: sender and receiver each hold a
	// request or two at a time. Measured with `tidegate bench uplink`
	// (loopback, gzip): 1 MiB requests drain as fast as 4 MiB ones
	// (107k against 110k records/s) with 21 MB less peak RSS.
	DefaultMaxRequestSize = 1 << 20
	// MinMaxRequestSize is the smallest max_request_size accepted.
	MinMaxRequestSize = 64 << 10
	// DefaultRequestTimeout bounds one request, from connecting to reading
	// the response. Firehose waits 3 minutes; an edge box on a flaky link
	// is better served by noticing a stalled connection sooner.
	DefaultRequestTimeout = 30 * time.Second
)

// Compressions the protocol defines.
const (
	CompressionNone = "none"
	CompressionGzip = "gzip"
)

// Config is the `to:` block of a delivery of type http.
type Config struct {
	// URL is where requests are POSTed, as is (path and query included).
	// Firehose only sends to https on port 443; Tidegate also sends to
	// http and any port, for hubs on a local network.
	URL string `yaml:"url"`
	// AccessKey goes verbatim into X-Amz-Firehose-Access-Key (at most 4096
	// bytes). Optional; never logged.
	AccessKey string `yaml:"access_key"`
	// SourceARN goes into X-Amz-Firehose-Source-Arn. Empty means the
	// gateway's name for the delivery (uplink.Env.DeliveryStreamARN), or
	// DefaultSourceARN outside a gateway.
	SourceARN string `yaml:"source_arn"`
	// CommonAttributes go into X-Amz-Firehose-Common-Attributes as
	// {"commonAttributes": {...}}: at most 50, names 1-256 characters,
	// values 0-1024.
	CommonAttributes map[string]string `yaml:"common_attributes"`
	// Compression is "gzip" or "none" (or empty): the protocol defines no
	// other (the delivery-level compression key lands here).
	Compression string `yaml:"compression"`
	// MaxRequestSize bounds a request body before compression, in bytes
	// (default 1 MiB, 64 KiB-64 MiB). A larger batch is split into several
	// requests.
	MaxRequestSize int `yaml:"max_request_size"`
	// RequestTimeout bounds one request (default 30 s).
	RequestTimeout time.Duration `yaml:"request_timeout"`

	// TLSConfig, when set, replaces the default TLS settings (a private CA,
	// a client certificate). Not a configuration key: the gateway sets it.
	TLSConfig *tls.Config `yaml:"-"`
	// Logger receives debug lines per request; nil means slog.Default().
	Logger *slog.Logger `yaml:"-"`
}

// LogValue keeps the access key out of logs.
func (c Config) LogValue() slog.Value {
	key := ""
	if c.AccessKey != "" {
		key = "[redacted]"
	}
	return slog.GroupValue(
		slog.String("url", redactURL(c.URL)),
		slog.String("access_key", key),
		slog.String("source_arn", c.SourceARN),
		slog.Int("common_attributes", len(c.CommonAttributes)),
		slog.String("compression", c.Compression),
		slog.Int("max_request_size", c.MaxRequestSize),
		slog.Duration("request_timeout", c.RequestTimeout),
	)
}

// Validate checks the configuration without touching the network.
func (c Config) Validate() error {
	bad := func(key, format string, args ...any) error {
		return fmt.Errorf("%w: http: %s: %s", uplink.ErrConfig, key, fmt.Sprintf(format, args...))
	}
	if c.URL == "" {
		return bad("url", "is required")
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return bad("url", "%v", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return bad("url", "%q: want an http:// or https:// URL with a host", redactURL(c.URL))
	}
	if len(c.AccessKey) > MaxAccessKeySize {
		return bad("access_key", "%d bytes is over the protocol's %d", len(c.AccessKey), MaxAccessKeySize)
	}
	if !validHeaderValue(c.AccessKey) {
		return bad("access_key", "holds a control character, which cannot travel in a header")
	}
	if c.SourceARN != "" {
		if err := validSourceARN(c.SourceARN); err != nil {
			return bad("source_arn", "%v", err)
		}
	}
	if err := ValidAttributes(c.CommonAttributes); err != nil {
		return bad("common_attributes", "%v", err)
	}
	switch c.Compression {
	case "", CompressionNone, CompressionGzip:
	default:
		return bad("compression", "%q: the HTTP endpoint protocol defines only gzip (or none)", c.Compression)
	}
	if c.MaxRequestSize != 0 && (c.MaxRequestSize < MinMaxRequestSize || c.MaxRequestSize > MaxBodySize) {
		return bad("max_request_size", "%d bytes is outside 64 KiB-64 MiB", c.MaxRequestSize)
	}
	if c.RequestTimeout < 0 {
		return bad("request_timeout", "%s is negative", c.RequestTimeout)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.MaxRequestSize == 0 {
		c.MaxRequestSize = DefaultMaxRequestSize
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// validSourceARN wants arn:PARTITION:firehose:REGION:ACCOUNT:deliverystream/NAME
// in ASCII, as the header carries it.
func validSourceARN(s string) error {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return fmt.Errorf("%q: an ARN is printable ASCII without spaces", s)
		}
	}
	a, err := arn.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not an ARN: %w", s, err)
	}
	name, ok := strings.CutPrefix(a.Resource, "deliverystream/")
	if a.Service != "firehose" || !ok || name == "" {
		return fmt.Errorf("%q does not name a delivery stream (arn:aws:firehose:REGION:ACCOUNT:deliverystream/NAME)", s)
	}
	return nil
}

// validHeaderValue refuses the bytes a header value cannot hold.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// redactURL keeps scheme, host and path: a query or user info may hold a
// token, and errors and logs must not.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(invalid url)"
	}
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return r.String()
}
