package kafka

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/clientauth"
)

// Defaults applied by New when a key is left out.
const (
	// DefaultTimeout bounds how long a record may wait for a broker before
	// Send gives up on it and reports the destination unreachable.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxMessageBytes is Kafka's own default max.message.bytes
	// (as franz-go sizes record batches).
	DefaultMaxMessageBytes = 1_000_012
	minTimeout             = 100 * time.Millisecond
	minMessageBytes        = 512
	maxMessageBytes        = 1 << 30
)

// Config is the kafka destination's configuration, the `to:` block of a
// delivery with `type: kafka`.
type Config struct {
	// Brokers are the seed brokers, host:port (port 9092 when left out).
	Brokers []string `yaml:"brokers"`
	// Topic is the topic every record is produced to. It must exist: the
	// sink does not ask brokers to auto-create it.
	Topic string `yaml:"topic"`
	// ClientID names the producer in broker logs and quotas.
	ClientID string `yaml:"client_id"`
	// Compression is Kafka's record batch compression: none (the default),
	// gzip, snappy, lz4 or zstd. Consumers decompress transparently.
	Compression string `yaml:"compression"`
	// MaxMessageBytes caps an uncompressed record batch, like the topic's
	// max.message.bytes; a single record larger than it is refused.
	MaxMessageBytes int `yaml:"max_message_bytes"`
	// Timeout bounds how long Send waits for brokers before the records
	// not yet on the wire fail as unreachable; 0 means DefaultTimeout.
	Timeout time.Duration `yaml:"timeout"`
	SASL    *SASL         `yaml:"sasl"`
	// TLS, when present (even empty), makes the connections TLS.
	TLS *TLS `yaml:"tls"`

	// Logger receives the client's warnings (connection trouble); nil
	// discards them.
	Logger *slog.Logger `yaml:"-"`
}

// SASL authenticates the producer. The password is given as is, or kept
// out of the file: read from password_file or taken from the environment
// variable password_env.
type SASL struct {
	// Mechanism is plain, scram-sha-256 or scram-sha-512.
	Mechanism    string `yaml:"mechanism"`
	Username     string `yaml:"username"`
	Password     string `yaml:"password"`
	PasswordFile string `yaml:"password_file"`
	PasswordEnv  string `yaml:"password_env"`
}

func (s *SASL) password() clientauth.Secret {
	return clientauth.Secret{Key: "sasl.password", Value: s.Password, File: s.PasswordFile, Env: s.PasswordEnv}
}

// TLS configures TLS to the brokers. Without ca_file the system roots are
// used; cert_file and key_file, together, give a client certificate.
// It converts to clientauth.TLS, which reads the files.
type TLS struct {
	CAFile             string `yaml:"ca_file"`
	CertFile           string `yaml:"cert_file"`
	KeyFile            string `yaml:"key_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

// SASL mechanisms, as the config names them.
const (
	MechanismPlain       = "plain"
	MechanismSCRAMSHA256 = "scram-sha-256"
	MechanismSCRAMSHA512 = "scram-sha-512"
)

// Validate checks the configuration without touching the network or the
// files it names.
func (c Config) Validate() error {
	if len(c.Brokers) == 0 {
		return fmt.Errorf("%w: kafka: brokers: at least one broker is required", uplink.ErrConfig)
	}
	for i, b := range c.Brokers {
		if err := validateBroker(b); err != nil {
			return fmt.Errorf("%w: kafka: brokers[%d]: %w", uplink.ErrConfig, i, err)
		}
	}
	if err := validateTopic(c.Topic); err != nil {
		return fmt.Errorf("%w: kafka: topic: %w", uplink.ErrConfig, err)
	}
	if _, err := codec(c.Compression); err != nil {
		return fmt.Errorf("%w: kafka: compression: %w", uplink.ErrConfig, err)
	}
	if c.MaxMessageBytes != 0 && (c.MaxMessageBytes < minMessageBytes || c.MaxMessageBytes > maxMessageBytes) {
		return fmt.Errorf("%w: kafka: max_message_bytes: %d is outside [%d, %d]", uplink.ErrConfig, c.MaxMessageBytes, minMessageBytes, maxMessageBytes)
	}
	if c.Timeout != 0 && c.Timeout < minTimeout {
		return fmt.Errorf("%w: kafka: timeout: %s is less than %s", uplink.ErrConfig, c.Timeout, minTimeout)
	}
	if c.SASL != nil {
		if err := c.SASL.validate(); err != nil {
			return fmt.Errorf("%w: kafka: %w", uplink.ErrConfig, err)
		}
	}
	if c.TLS != nil {
		if err := clientauth.TLS(*c.TLS).Validate(); err != nil {
			return fmt.Errorf("%w: kafka: %w", uplink.ErrConfig, err)
		}
	}
	return nil
}

// CheckEnvironment reads what the configuration names on this machine:
// the TLS files and the SASL password's file or variable.
func (c Config) CheckEnvironment() error {
	_, err := clientOptions(c)
	return err
}

var _ uplink.EnvironmentChecker = Config{}

func (s *SASL) validate() error {
	switch strings.ToLower(s.Mechanism) {
	case MechanismPlain, MechanismSCRAMSHA256, MechanismSCRAMSHA512:
	case "":
		return fmt.Errorf("sasl.mechanism: required (plain, scram-sha-256 or scram-sha-512)")
	default:
		return fmt.Errorf("sasl.mechanism: %q is not plain, scram-sha-256 or scram-sha-512", s.Mechanism)
	}
	if s.Username == "" {
		return fmt.Errorf("sasl.username: required")
	}
	if s.password().Count() == 0 {
		return fmt.Errorf("sasl.password: required (or sasl.password_file, sasl.password_env)")
	}
	return s.password().Validate()
}

// validateBroker accepts host or host:port, catching the usual slips (a URL
// scheme, a list in one string) before the client turns them into dial
// errors that look like an unreachable network.
func validateBroker(b string) error {
	switch {
	case b == "":
		return fmt.Errorf("empty")
	case strings.Contains(b, "://"):
		return fmt.Errorf("%q: want host:port, not a URL", b)
	case strings.ContainsAny(b, ", \t\r\n/"):
		return fmt.Errorf("%q: want one host:port", b)
	}
	host, port, err := net.SplitHostPort(b)
	if err != nil {
		if strings.Contains(b, ":") && !strings.HasPrefix(b, "[") {
			return fmt.Errorf("%q: %w", b, err)
		}
		host, port = strings.Trim(b, "[]"), "9092"
	}
	if host == "" {
		return fmt.Errorf("%q: empty host", b)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%q: port %q is not 1-65535", b, port)
	}
	return nil
}

// validateTopic applies Kafka's rule for topic names.
func validateTopic(t string) error {
	switch {
	case t == "":
		return fmt.Errorf("required")
	case len(t) > 249:
		return fmt.Errorf("%d characters, Kafka allows 249", len(t))
	case t == "." || t == "..":
		return fmt.Errorf("%q is not a legal topic name", t)
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("%q: Kafka topic names take only ASCII letters, digits, '.', '_' and '-'", t)
		}
	}
	return nil
}
