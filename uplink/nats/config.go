package nats

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/clientauth"
)

// Defaults applied by New when a key is left out.
const (
	// DefaultTimeout bounds the wait for one message's acknowledgement.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxPending bounds the messages a Send has in flight.
	DefaultMaxPending = 256
	maxMaxPending     = 65536
)

// Config is the nats destination's configuration, the `to:` block of a
// delivery with `type: nats`.
type Config struct {
	// URL is the server, or several comma-separated servers of one cluster:
	// nats://host:4222, tls://host:4222 (user:password@ may be embedded).
	URL string `yaml:"url"`
	// Subject is where records are published; it may hold
	// {partition_key} and {stream}, expanded per record. A JetStream
	// stream must capture every subject it expands to.
	Subject     string       `yaml:"subject"`
	Credentials *Credentials `yaml:"credentials"`
	// TLS, when present (even empty), requires TLS.
	TLS *TLS `yaml:"tls"`
	// Timeout bounds the wait for each acknowledgement; 0 means
	// DefaultTimeout.
	Timeout time.Duration `yaml:"timeout"`
	// MaxPending bounds the unacknowledged messages a Send keeps in
	// flight; 0 means DefaultMaxPending.
	MaxPending int `yaml:"max_pending"`

	// Logger receives connection events (disconnected, reconnected,
	// asynchronous errors); nil discards them.
	Logger *slog.Logger `yaml:"-"`
}

// Credentials authenticate the connection: exactly one of a creds file
// (JWT and NKey seed, as nsc writes it), an NKey seed file, a username with
// its password, or a token. A password or token may stay out of the file:
// read from *_file or taken from the environment variable *_env.
type Credentials struct {
	CredsFile    string `yaml:"creds_file"`
	NKeyFile     string `yaml:"nkey_file"`
	Username     string `yaml:"username"`
	Password     string `yaml:"password"`
	PasswordFile string `yaml:"password_file"`
	PasswordEnv  string `yaml:"password_env"`
	Token        string `yaml:"token"`
	TokenFile    string `yaml:"token_file"`
	TokenEnv     string `yaml:"token_env"`
}

func (c *Credentials) password() clientauth.Secret {
	return clientauth.Secret{Key: "credentials.password", Value: c.Password, File: c.PasswordFile, Env: c.PasswordEnv}
}

func (c *Credentials) token() clientauth.Secret {
	return clientauth.Secret{Key: "credentials.token", Value: c.Token, File: c.TokenFile, Env: c.TokenEnv}
}

// TLS configures TLS to the servers. Without ca_file the system roots are
// used; cert_file and key_file, together, give a client certificate.
type TLS struct {
	CAFile   string `yaml:"ca_file"`
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// settings is the block as clientauth reads it: nats offers no
// insecure_skip_verify, so verification always stays on.
func (t *TLS) settings() clientauth.TLS {
	return clientauth.TLS{CAFile: t.CAFile, CertFile: t.CertFile, KeyFile: t.KeyFile}
}

// Validate checks the configuration without touching the network or the
// files it names.
func (c Config) Validate() error {
	if err := validateURLs(c.URL); err != nil {
		return fmt.Errorf("%w: nats: url: %w", uplink.ErrConfig, err)
	}
	if _, err := parseSubject(c.Subject); err != nil {
		return fmt.Errorf("%w: nats: subject: %w", uplink.ErrConfig, err)
	}
	if c.Credentials != nil {
		if err := c.Credentials.validate(); err != nil {
			return fmt.Errorf("%w: nats: %w", uplink.ErrConfig, err)
		}
	}
	if c.TLS != nil {
		if err := c.TLS.settings().Validate(); err != nil {
			return fmt.Errorf("%w: nats: %w", uplink.ErrConfig, err)
		}
	}
	if c.Timeout < 0 {
		return fmt.Errorf("%w: nats: timeout: %s is negative", uplink.ErrConfig, c.Timeout)
	}
	if c.MaxPending < 0 || c.MaxPending > maxMaxPending {
		return fmt.Errorf("%w: nats: max_pending: %d is outside [0, %d]", uplink.ErrConfig, c.MaxPending, maxMaxPending)
	}
	return nil
}

// CheckEnvironment reads what the configuration names on this machine:
// the TLS files, the creds or NKey file, the password's or token's file or
// variable.
func (c Config) CheckEnvironment() error {
	_, err := connectOptions(c)
	return err
}

var _ uplink.EnvironmentChecker = Config{}

// validateURLs checks a comma-separated server list.
func validateURLs(list string) error {
	if strings.TrimSpace(list) == "" {
		return fmt.Errorf("required")
	}
	for raw := range strings.SplitSeq(list, ",") {
		raw = strings.TrimSpace(raw)
		u, err := url.Parse(raw)
		switch {
		case raw == "":
			return fmt.Errorf("empty server in %q", list)
		case err != nil:
			return err
		case u.Scheme != "nats" && u.Scheme != "tls" && u.Scheme != "ws" && u.Scheme != "wss":
			return fmt.Errorf("%q: want nats://, tls://, ws:// or wss://", raw)
		case u.Hostname() == "":
			return fmt.Errorf("%q: no host", raw)
		}
	}
	return nil
}

// validate returns an error that starts with the key it names.
func (c *Credentials) validate() error {
	var kinds []string
	if c.CredsFile != "" {
		kinds = append(kinds, "creds_file")
	}
	if c.NKeyFile != "" {
		kinds = append(kinds, "nkey_file")
	}
	if c.Username != "" {
		kinds = append(kinds, "username")
	}
	if c.token().Count() > 0 {
		kinds = append(kinds, "token")
	}
	switch {
	case c.password().Count() > 0 && c.Username == "":
		return fmt.Errorf("credentials.password: needs a username")
	case len(kinds) == 0:
		return fmt.Errorf("credentials: one of creds_file, nkey_file, username or token is required")
	case len(kinds) > 1:
		return fmt.Errorf("credentials: %s exclude each other", strings.Join(kinds, " and "))
	}
	if err := c.password().Validate(); err != nil {
		return err
	}
	return c.token().Validate()
}

func (c Config) timeout() time.Duration {
	if c.Timeout == 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

func (c Config) maxPending() int {
	if c.MaxPending == 0 {
		return DefaultMaxPending
	}
	return c.MaxPending
}
