package transform

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os/exec"
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
	// DefaultRegion fills the event's region when none is configured and
	// no gateway gave its own: the delivery stream lives on the gateway.
	DefaultRegion = "local"
	// MaxRetries bounds retries, as Firehose bounds NumberOfRetries.
	MaxRetries = 300
)

// Invocation is what both transform types take: how a batch is cut into
// events, how long one may take, and what the events say about the
// delivery.
type Invocation struct {
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
	// Region goes into the event's region (default: the gateway's region,
	// or "local" outside a gateway).
	Region string `yaml:"region"`
	// DeliveryStreamARN goes into the event's deliveryStreamArn; default
	// the gateway's name for the delivery,
	// arn:aws:firehose:<region>:<account>:deliverystream/<delivery>.
	DeliveryStreamARN string `yaml:"delivery_stream_arn"`
	// Retries is how many times a call that failed (the transform could
	// not be reached, answered an error, timed out, broke the contract as
	// a whole) is made again before the batch's records go to the
	// dead-letter stream as processing-failed: Firehose's NumberOfRetries,
	// 0-300, default 3.
	Retries *int `yaml:"retries"`

	// Logger receives the command's stderr and the records that failed
	// validation; nil means slog.Default().
	Logger *slog.Logger `yaml:"-"`
}

// HTTPConfig is `transform: {type: http, …}`: the events are POSTed to URL.
type HTTPConfig struct {
	// URL receives the events as POSTs.
	URL string `yaml:"url"`
	// Headers are added to every request, e.g. Authorization.
	Headers    map[string]string `yaml:"headers"`
	Invocation `yaml:",inline"`
}

// CommandConfig is `transform: {type: command, …}`: the events go to a
// long-lived local process.
type CommandConfig struct {
	// Command is the program and its arguments, run without a shell.
	Command []string `yaml:"command"`
	// Env adds NAME=value entries to the inherited environment of the
	// command (PYTHONUNBUFFERED=1 is a common need).
	Env        []string `yaml:"env"`
	Invocation `yaml:",inline"`
}

func bad(key, format string, args ...any) error {
	return fmt.Errorf("%w: transform: %s: %s", uplink.ErrConfig, key, fmt.Sprintf(format, args...))
}

// Validate checks the configuration without reaching the endpoint.
func (c HTTPConfig) Validate() error {
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
	return c.Invocation.validate()
}

// Validate checks the configuration without running anything.
func (c CommandConfig) Validate() error {
	if len(c.Command) == 0 || c.Command[0] == "" {
		return bad("command", "is required for type command: the program and its arguments")
	}
	for _, e := range c.Env {
		if k, _, ok := strings.Cut(e, "="); !ok || k == "" {
			return bad("env", "%q is not NAME=value", e)
		}
	}
	return c.Invocation.validate()
}

// CheckEnvironment says whether the program is there to run: found on
// the PATH, or at its path.
func (c CommandConfig) CheckEnvironment() error {
	if len(c.Command) == 0 {
		return c.Validate()
	}
	if _, err := exec.LookPath(c.Command[0]); err != nil {
		return bad("command", "%v", err)
	}
	return nil
}

var _ uplink.EnvironmentChecker = CommandConfig{}

func (c Invocation) validate() error {
	switch {
	case c.Timeout < 0:
		return bad("timeout", "%s is negative", c.Timeout)
	case c.MaxRecords < 0:
		return bad("max_records", "%d is negative", c.MaxRecords)
	case c.MaxPayload != 0 && c.MaxPayload < 1024:
		return bad("max_payload", "%d bytes is below 1 KiB", c.MaxPayload)
	case strings.ContainsAny(c.Region, " \t\r\n\"\\"):
		return bad("region", "%q is not a region name", c.Region)
	case c.Retries != nil && (*c.Retries < 0 || *c.Retries > MaxRetries):
		return bad("retries", "%d is outside 0-%d", *c.Retries, MaxRetries)
	}
	return nil
}

// retries is Retries with its default.
func (c Invocation) retries() int {
	if c.Retries == nil {
		return uplink.DefaultTransformRetries
	}
	return *c.Retries
}

func (c Invocation) withDefaults() Invocation {
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

// withEnv fills in what the gateway knows: its logger, its region and its
// name for the delivery.
func (c Invocation) withEnv(env uplink.Env) Invocation {
	c.Logger = env.Logger
	if c.Region == "" {
		c.Region = env.Region
	}
	if c.DeliveryStreamARN == "" {
		c.DeliveryStreamARN = env.DeliveryStreamARN()
	}
	return c
}

// streamARN is the event's deliveryStreamArn for a delivery.
func (c Invocation) streamARN(delivery string) string {
	if c.DeliveryStreamARN != "" {
		return c.DeliveryStreamARN
	}
	return "arn:aws:firehose:" + c.Region + ":000000000000:deliverystream/" + delivery
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
