package fleet

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// Payload formats.
const (
	FormatJSON      = "json"
	FormatSparkplug = "sparkplug"
)

// DefaultTopic is where JSON readings go; {stream} and {device} are replaced.
const DefaultTopic = "streams/{stream}/{device}"

// ErrConfig wraps every validation failure.
var ErrConfig = errors.New("fleet: invalid config")

// Config describes a fleet. Zero values take the defaults documented per field.
type Config struct {
	Broker   string  // tcp://host:port (also ssl://, ws://); default tcp://127.0.0.1:1883
	Username string  // MQTT credentials, optional
	Password string  //
	Devices  int     // number of nodes; default 1
	Rate     float64 // readings per second per node; default 1
	Jitter   float64 // fraction of the interval each tick may move; default 0.1
	QoS      byte    // 0 or 1
	Format   string  // FormatJSON (default) or FormatSparkplug
	Stream   string  // {stream} in Topic; default "sensors"
	Topic    string  // topic template for JSON; default DefaultTopic
	Group    string  // Sparkplug group id; default "tidegate"
	Count    int     // readings per node, then the node stops; 0 = unbounded
	Duration time.Duration
	Seed     uint64 // selects each node's signal and jitter sequence

	QueueSize    int           // readings held per node while offline; default 10000
	ReconnectMin time.Duration // first backoff; default 250ms
	ReconnectMax time.Duration // backoff cap; default 30s
	AckTimeout   time.Duration // a publish not acknowledged by then means the link is dead; default 10s
	FlushTimeout time.Duration // how long shutdown waits for queues to drain; default 5s

	Logger *slog.Logger // default slog.Default()
}

func (c *Config) setDefaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.Broker, "tcp://127.0.0.1:1883")
	def(&c.Format, FormatJSON)
	def(&c.Stream, "sensors")
	def(&c.Topic, DefaultTopic)
	def(&c.Group, "tidegate")
	defDur := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	defDur(&c.ReconnectMin, 250*time.Millisecond)
	defDur(&c.ReconnectMax, 30*time.Second)
	defDur(&c.AckTimeout, 10*time.Second)
	defDur(&c.FlushTimeout, 5*time.Second)
	if c.Devices == 0 {
		c.Devices = 1
	}
	if c.Rate == 0 {
		c.Rate = 1
	}
	if c.Jitter == 0 {
		c.Jitter = 0.1
	}
	if c.QueueSize == 0 {
		c.QueueSize = 10000
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

func (c *Config) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, a...))
	}
	u, err := url.Parse(c.Broker)
	switch {
	case err != nil || u.Host == "":
		return bad("broker %q is not a URL like tcp://127.0.0.1:1883", c.Broker)
	case c.Devices < 0 || c.Devices > 9999:
		return bad("devices %d not in 1..9999", c.Devices)
	case c.Rate < 0:
		return bad("rate %g is negative", c.Rate)
	case c.Jitter < 0 || c.Jitter >= 1:
		return bad("jitter %g not in [0, 1)", c.Jitter)
	case c.QoS > 1:
		return bad("qos %d: only 0 and 1 are supported", c.QoS)
	case c.Format != FormatJSON && c.Format != FormatSparkplug:
		return bad("format %q: want %s or %s", c.Format, FormatJSON, FormatSparkplug)
	case !strings.Contains(c.Topic, "{device}"):
		return bad("topic %q must contain {device}", c.Topic)
	case strings.ContainsAny(c.Stream+c.Group, "/+#"):
		return bad("stream and group may not contain / + #")
	case c.Count < 0 || c.Duration < 0 || c.QueueSize < 0:
		return bad("count, duration and queue size must not be negative")
	case c.ReconnectMin > c.ReconnectMax:
		return bad("reconnect min %s above max %s", c.ReconnectMin, c.ReconnectMax)
	}
	return nil
}

// deviceTopic is the JSON topic of one node.
func (c *Config) deviceTopic(device string) string {
	return strings.NewReplacer("{stream}", c.Stream, "{device}", device).Replace(c.Topic)
}

func (c *Config) sparkplugTopic(kind, device string) string {
	return "spBv1.0/" + c.Group + "/" + kind + "/" + device
}
