package config

import (
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

const redacted = "[REDACTED]"

// Secret holds a credential. It prints, logs and marshals as "[REDACTED]"; only Value
// reveals it. The value sits behind a pointer so that even a reflective dump that skips
// String (an unexported field, %#v of a containing struct) shows an address, not the text.
type Secret struct{ value *string }

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{value: &s} }

// Value returns the credential.
func (s Secret) Value() string {
	if s.value == nil {
		return ""
	}
	return *s.value
}

// IsSet reports whether a value was given, even an empty one.
func (s Secret) IsSet() bool { return s.value != nil }

// String returns "[REDACTED]" when a value is set, else "".
func (s Secret) String() string {
	if !s.IsSet() {
		return ""
	}
	return redacted
}

// GoString redacts for %#v too.
func (s Secret) GoString() string { return fmt.Sprintf("config.Secret(%q)", s.String()) }

// LogValue redacts for log/slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText redacts for encoding/json and other text encoders.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalYAML reads an inline secret. Any scalar is taken as written, so that
// `secret: 0123` is "0123", not the number 83.
func (s *Secret) UnmarshalYAML(node ast.Node) error {
	text, err := scalarText(node, "a string")
	if err != nil {
		return err
	}
	*s = NewSecret(text)
	return nil
}

// resolveSecrets reads each access key's and token's secret_file or secret_env into its
// Secret. An entry with no source at all is left for Validate to report.
func (c *Config) resolveSecrets(env map[string]string) []error {
	var errs []error
	add := func(err *Error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	for i := range c.Auth.AccessKeys {
		k := &c.Auth.AccessKeys[i]
		add(c.resolveSecret(fmt.Sprintf("auth.access_keys[%d]", i), &k.Secret, k.SecretFile, k.SecretEnv, env))
	}
	for i := range c.Auth.Tokens {
		t := &c.Auth.Tokens[i]
		add(c.resolveSecret(fmt.Sprintf("auth.tokens[%d]", i), &t.Secret, t.SecretFile, t.SecretEnv, env))
	}
	if k := c.Firehose.S3.Credentials; k != nil {
		add(c.resolveSecret("firehose.s3.credentials", &k.Secret, k.SecretFile, k.SecretEnv, env))
	}
	return errs
}

// resolveSecret reads the secret of the entry at path from file or the variable env
// names, whichever is set, into *s; it refuses two sources, an unreadable or empty
// file, an unset variable and an empty inline secret.
func (c *Config) resolveSecret(path string, s *Secret, file, envName string, env map[string]string) *Error {
	var sources []string
	for _, src := range []struct {
		name string
		set  bool
	}{{"secret", s.IsSet()}, {"secret_file", file != ""}, {"secret_env", envName != ""}} {
		if src.set {
			sources = append(sources, src.name)
		}
	}
	if len(sources) > 1 {
		return c.origins.errorf(path, "set only one of secret, secret_file and secret_env, not %s and %s",
			strings.Join(sources[:len(sources)-1], ", "), sources[len(sources)-1])
	}
	switch {
	case file != "":
		data, err := os.ReadFile(file)
		if err != nil {
			return c.origins.errorf(path+".secret_file", "cannot read the secret: %v", err)
		}
		*s = NewSecret(strings.TrimRight(string(data), "\r\n"))
		if s.Value() == "" {
			return c.origins.errorf(path+".secret_file", "%s is empty", file)
		}
	case envName != "":
		v, ok := env[envName]
		if !ok {
			return c.origins.errorf(path+".secret_env", "environment variable %s is not set", envName)
		}
		*s = NewSecret(v)
	case s.IsSet() && s.Value() == "":
		return c.origins.errorf(path+".secret", "is empty")
	}
	return nil
}
