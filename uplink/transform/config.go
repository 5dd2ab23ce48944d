package transform

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tidegate/tidegate/uplink"
)

// Types of transform.
const (
	TypeHTTP    = "http"
	TypeCommand = "command"
)

// Defaults of a Config.
const (
	// DefaultTimeout bounds one invocation; Firehose asks a transforming
	// Lambda function for at least a minute.
	DefaultTimeout = 60 * time.Second
	// DefaultMaxRecords bounds the records of one invocation.
	DefaultMaxRecords = 10000
	// DefaultMaxPayload bounds an event, as Lambda bounds a synchronous
	// invocation's payload (6 MiB); Firehose never sends a function more.
	DefaultMaxPayload = 6 << 20
	// DefaultRegion fills the event's region when none is configured: the
	// delivery stream lives on the gateway.
	DefaultRegion = "local"
)

// Config is the `transform:` block of a delivery.
type Config struct {
	// Type is "http" or "command".
	Type string `yaml:"type"`
	// URL receives the events as POSTs (type http).
	URL string `yaml:"url"`
	// Headers are added to every request (type http), e.g. Authorization.
	Headers map[string]string `yaml:"headers"`
	// Command is the program and its arguments (type command), run without
	// a shell.
	Command []string `yaml:"command"`
	// Env adds NAME=value entries to the inherited environment of the
	// command (PYTHONUNBUFFERED=1 is a common need).
	Env []string `yaml:"env"`
	// Timeout bounds one invocation (default 60 s). A command that misses
	// it is killed and restarted: its late answer would be taken for the
	// next event's.
	Timeout time.Duration `yaml:"timeout"`
	// MaxRecords bounds the records of one invocation (default 10,000); a
	// larger set is split into several invocations.
	MaxRecords int `yaml:"max_records"`
	// MaxPayload bounds an event's size in bytes, about (default 6 MiB);
	// a larger set is split.
	MaxPayload int `yaml:"max_payload"`
	// Region goes into the event's region (default "local").
	Region string `yaml:"region"`
	// DeliveryStreamARN goes into the event's deliveryStreamArn; default
	// arn:aws:firehose:<region>:000000000000:deliverystream/<delivery>.
	DeliveryStreamARN string `yaml:"delivery_stream_arn"`

	// Logger receives the command's stderr and the records that failed
	// validation; nil means slog.Default().
	Logger *slog.Logger `yaml:"-"`
}

// Validate checks the configuration without running anything.
func (c Config) Validate() error {
	bad := func(key, format string, args ...any) error {
		return fmt.Errorf("%w: transform: %s: %s", uplink.ErrConfig, key, fmt.Sprintf(format, args...))
	}
	switch c.Type {
	case TypeHTTP:
		if c.URL == "" {
			return bad("url", "is required for type http")
		}
		u, err := url.Parse(c.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("url", "want an http:// or https:// URL with a host")
		}
		for k, v := range c.Headers {
			if !validHeaderName(k) || strings.ContainsAny(v, "\r\n\x00") {
				return bad("headers", "%q is not a valid header", k)
			}
			switch http.CanonicalHeaderKey(k) {
			case "Content-Type", "Content-Length", "Content-Encoding", "Host", "Transfer-Encoding":
				return bad("headers", "%s is set by the transform", k)
			}
		}
		if len(c.Command) > 0 {
			return bad("command", "is for type command")
		}
	case TypeCommand:
		if len(c.Command) == 0 || c.Command[0] == "" {
			return bad("command", "is required for type command: the program and its arguments")
		}
		for _, e := range c.Env {
			if k, _, ok := strings.Cut(e, "="); !ok || k == "" {
				return bad("env", "%q is not NAME=value", e)
			}
		}
		if c.URL != "" || len(c.Headers) > 0 {
			return bad("url", "url and headers are for type http")
		}
	default:
		return bad("type", "%q is not http or command", c.Type)
	}
	switch {
	case c.Timeout < 0:
		return bad("timeout", "%s is negative", c.Timeout)
	case c.MaxRecords < 0:
		return bad("max_records", "%d is negative", c.MaxRecords)
	case c.MaxPayload != 0 && c.MaxPayload < 1024:
		return bad("max_payload", "%d bytes is below 1 KiB", c.MaxPayload)
	case strings.ContainsAny(c.Region, " \t\r\n\"\\"):
		return bad("region", "%q is not a region name", c.Region)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxRecords == 0 {
		c.MaxRecords = DefaultMaxRecords
	}
	if c.MaxPayload == 0 {
		c.MaxPayload = DefaultMaxPayload
	}
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// streamARN is the event's deliveryStreamArn for a delivery.
func (c Config) streamARN(delivery string) string {
	if c.DeliveryStreamARN != "" {
		return c.DeliveryStreamARN
	}
	return "arn:aws:firehose:" + c.Region + ":000000000000:deliverystream/" + delivery
}

// New builds the transform cfg.Type names, for the gateway's factory.
func New(cfg Config) (uplink.Transformer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	// Explicit returns: a nil *Command in the interface would not be nil.
	if cfg.Type == TypeCommand {
		c, err := NewCommand(cfg)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	h, err := NewHTTP(cfg)
	if err != nil {
		return nil, err
	}
	return h, nil
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
