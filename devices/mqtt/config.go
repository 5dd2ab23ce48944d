package mqtt

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/tidegate/tidegate/devices/decode"
)

// DefaultListen is the embedded broker's default address.
const DefaultListen = "127.0.0.1:1883"

// Config is the gateway's `mqtt:` section.
type Config struct {
	// Listen is the embedded broker's TCP address; "-" disables the broker.
	Listen string    `yaml:"listen"`
	TLS    TLSConfig `yaml:"tls"`
	// Users may connect to the embedded broker. With none, only a
	// loopback listener may run, and it allows anonymous clients.
	Users []User `yaml:"users"`
	// SessionDir, when set, keeps the embedded broker's sessions,
	// subscriptions, retained messages and outbound QoS 1/2 messages in a
	// bbolt file there (mqtt-sessions.db), so they survive a restart.
	// The gateway sets it to DATA_DIR/mqtt.
	SessionDir string `yaml:"session_dir"`
	// Brokers are external brokers the gateway subscribes to.
	Brokers       []BrokerConfig       `yaml:"brokers"`
	Subscriptions []SubscriptionConfig `yaml:"subscriptions"`
	// DeadLetterStream names the stream for undeliverable messages
	// (default "deadletter"); the gateway passes it to ingest.New.
	DeadLetterStream string `yaml:"dead_letter_stream"`
}

// TLSConfig turns on a TLS listener next to the TCP one.
type TLSConfig struct {
	Listen   string `yaml:"listen"` // e.g. "0.0.0.0:8883"
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// User is a username and password for the embedded broker.
type User struct {
	Username string `yaml:"username"`
	Password string `yaml:"password"`
}

// BrokerConfig is an external broker.
type BrokerConfig struct {
	Name               string `yaml:"name"`
	URL                string `yaml:"url"` // tcp://, ssl://, tls://, ws://, wss://
	ClientID           string `yaml:"client_id"`
	Username           string `yaml:"username"`
	Password           string `yaml:"password"`
	CAFile             string `yaml:"ca_file"`
	CertFile           string `yaml:"cert_file"`
	KeyFile            string `yaml:"key_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

// SubscriptionConfig maps a topic filter to a stream.
type SubscriptionConfig struct {
	// Broker names an external broker; "" is the embedded one.
	Broker string `yaml:"broker"`
	// Topic is a filter with + and #.
	Topic string `yaml:"topic"`
	// Stream is a stream name or a template of topic levels ("{1}").
	Stream string `yaml:"stream"`
	// Device is the partition key rule: a template of topic levels
	// ("{1}", "site-{0}/{2}", 0-based) or "field:NAME" for a decoded value.
	// A reading that names its device overrides it.
	Device string `yaml:"device"`
	// Decoder is a registered payload format with its settings
	// (`decoder: {type: json, fields: {…}}`); none stores the payload as
	// is.
	Decoder decode.Spec `yaml:"decoder"`
	QoS     byte        `yaml:"qos"`
}

// DefaultSparkplugStream is the stream the embedded broker stores Sparkplug B
// in when no subscriptions are configured. The gateway creates it.
const DefaultSparkplugStream = "sparkplug"

// sparkplugDecoder is the registered name of the Sparkplug B decoder
// (devices/sparkplug registers it).
const sparkplugDecoder = "sparkplug"

// DefaultSubscriptions are what the embedded broker stores with no
// subscriptions configured, so that a device pointed at a fresh gateway has
// its data kept:
//
//   - streams/{stream}/{device} into the existing stream {stream},
//     partition key {device}, payload as is;
//   - Sparkplug B (spBv1.0/{group}/…), decoded, every group into the stream
//     DefaultSparkplugStream, partition key {group}/{edge node}[/{device}]
//     (one stream, so that a group id that is no valid stream name, such as
//     "Sparkplug B Devices", is stored too), when the sparkplug decoder is
//     registered.
func DefaultSubscriptions() []SubscriptionConfig {
	subs := []SubscriptionConfig{{Topic: "streams/+/+", Stream: "{1}", Device: "{2}", QoS: 1}}
	if t, ok := decode.Lookup(sparkplugDecoder); ok {
		subs = append(subs, SubscriptionConfig{Topic: "spBv1.0/#", Stream: DefaultSparkplugStream, QoS: 1,
			Decoder: decode.Spec{Type: sparkplugDecoder, Config: t.NewConfig()}})
	}
	return subs
}

// InForce returns the subscriptions in force: those configured, or
// with none and the embedded broker on, DefaultSubscriptions.
func (c *Config) InForce() []SubscriptionConfig {
	if len(c.Subscriptions) == 0 && c.Listen != "-" {
		return DefaultSubscriptions()
	}
	return c.Subscriptions
}

// ErrConfig marks configuration errors.
var ErrConfig = errors.New("mqtt: config")

// Validate checks the section; it does not open files.
func (c *Config) Validate() error {
	if c.Listen != "-" {
		addr := c.Listen
		if addr == "" {
			addr = DefaultListen
		}
		if err := c.checkAuth("listen", addr); err != nil {
			return err
		}
		if c.TLS.Listen != "" {
			if c.TLS.CertFile == "" || c.TLS.KeyFile == "" {
				return fmt.Errorf("%w: tls: cert_file and key_file are required", ErrConfig)
			}
			if err := c.checkAuth("tls.listen", c.TLS.Listen); err != nil {
				return err
			}
		}
	}
	for i, u := range c.Users {
		if u.Username == "" {
			return fmt.Errorf("%w: users[%d]: username is empty", ErrConfig, i)
		}
	}
	names := map[string]bool{}
	for i, b := range c.Brokers {
		if b.Name == "" || names[b.Name] {
			return fmt.Errorf("%w: brokers[%d]: name %q is empty or repeated", ErrConfig, i, b.Name)
		}
		names[b.Name] = true
		u, err := url.Parse(b.URL)
		if err != nil {
			return fmt.Errorf("%w: brokers[%d] %q: url: %v", ErrConfig, i, b.Name, err)
		}
		switch u.Scheme {
		case "tcp", "mqtt", "ssl", "tls", "mqtts", "ws", "wss":
		default:
			return fmt.Errorf("%w: brokers[%d] %q: url scheme %q: want tcp, ssl, ws or wss", ErrConfig, i, b.Name, u.Scheme)
		}
		if b.ClientID == "" {
			return fmt.Errorf("%w: brokers[%d] %q: client_id is required: the broker keeps our session under it", ErrConfig, i, b.Name)
		}
		if (b.CertFile == "") != (b.KeyFile == "") {
			return fmt.Errorf("%w: brokers[%d] %q: cert_file and key_file go together", ErrConfig, i, b.Name)
		}
	}
	for i, s := range c.Subscriptions {
		if s.Broker != "" && !names[s.Broker] {
			return fmt.Errorf("%w: subscriptions[%d]: no broker named %q", ErrConfig, i, s.Broker)
		}
		if s.Broker == "" && c.Listen == "-" {
			return fmt.Errorf("%w: subscriptions[%d]: the embedded broker is disabled", ErrConfig, i)
		}
		if _, err := compile(s); err != nil {
			return fmt.Errorf("%w: subscriptions[%d]: %w", ErrConfig, i, err)
		}
		if err := s.Decoder.Validate(); err != nil {
			return fmt.Errorf("%w: subscriptions[%d]: decoder: %w", ErrConfig, i, err)
		}
	}
	return nil
}

// checkAuth refuses anonymous access on a non-loopback listener.
func (c *Config) checkAuth(key, addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%w: %s %q: %v", ErrConfig, key, addr, err)
	}
	if len(c.Users) == 0 && !isLoopback(host) {
		return fmt.Errorf("%w: %s %q is not loopback: configure mqtt.users or listen on 127.0.0.1", ErrConfig, key, addr)
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
