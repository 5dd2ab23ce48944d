package config

import (
	"encoding/json"
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

// source says where the key's secret comes from, without revealing it.
func (k AccessKey) source() string {
	switch {
	case k.SecretFile != "":
		return "file " + k.SecretFile
	case k.SecretEnv != "":
		return "$" + k.SecretEnv
	case k.Secret.IsSet():
		return "inline"
	}
	return "none"
}

// String shows the key id and where its secret comes from, never the secret.
func (k AccessKey) String() string { return k.ID + " (secret: " + k.source() + ")" }

// GoString is String, so that %#v does not print the secret either.
func (k AccessKey) GoString() string { return "config.AccessKey{" + k.String() + "}" }

// LogValue logs the id and the secret's source.
func (k AccessKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", k.ID), slog.String("secret", k.source()))
}

// MarshalJSON writes the key with its secret redacted.
func (k AccessKey) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID         string `json:"id"`
		Secret     string `json:"secret"`
		SecretFile string `json:"secret_file,omitempty"`
		SecretEnv  string `json:"secret_env,omitempty"`
	}{k.ID, redacted, k.SecretFile, k.SecretEnv})
}

// resolveSecrets reads each access key's secret_file or secret_env into Secret. A key
// with no source at all is left for Validate to report.
func (c *Config) resolveSecrets(env map[string]string) []error {
	var errs []error
	for i := range c.Auth.AccessKeys {
		k := &c.Auth.AccessKeys[i]
		path := fmt.Sprintf("auth.access_keys[%d]", i)
		var sources []string
		for _, s := range []struct {
			name string
			set  bool
		}{{"secret", k.Secret.IsSet()}, {"secret_file", k.SecretFile != ""}, {"secret_env", k.SecretEnv != ""}} {
			if s.set {
				sources = append(sources, s.name)
			}
		}
		if len(sources) > 1 {
			errs = append(errs, c.origins.errorf(path, "set only one of secret, secret_file and secret_env, not %s and %s",
				strings.Join(sources[:len(sources)-1], ", "), sources[len(sources)-1]))
			continue
		}
		switch {
		case k.SecretFile != "":
			data, err := os.ReadFile(k.SecretFile)
			if err != nil {
				errs = append(errs, c.origins.errorf(path+".secret_file", "cannot read the secret: %v", err))
				continue
			}
			k.Secret = NewSecret(strings.TrimRight(string(data), "\r\n"))
			if k.Secret.Value() == "" {
				errs = append(errs, c.origins.errorf(path+".secret_file", "%s is empty", k.SecretFile))
			}
		case k.SecretEnv != "":
			v, ok := env[k.SecretEnv]
			if !ok {
				errs = append(errs, c.origins.errorf(path+".secret_env", "environment variable %s is not set", k.SecretEnv))
				continue
			}
			k.Secret = NewSecret(v)
		case k.Secret.IsSet() && k.Secret.Value() == "":
			errs = append(errs, c.origins.errorf(path+".secret", "is empty"))
		}
	}
	return errs
}
