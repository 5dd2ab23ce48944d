package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
)

// Auth holds the credentials clients present. With none configured every route is open,
// which Validate allows on a loopback listener only; with any configured every route
// but the health checks needs one (see docs/gateway.md).
type Auth struct {
	// AccessKeys verify SigV4 signatures: on the AWS-compatible APIs, and on the
	// gateway's own routes (REST, metrics, dashboard) signed for the service "tidegate".
	AccessKeys []AccessKey `yaml:"access_keys"`
	// Tokens are bearer tokens (Authorization: Bearer …) for the gateway's own routes:
	// what browsers, curl and Prometheus can send, where SigV4 is out of reach.
	Tokens []Token `yaml:"tokens"`
}

// HasCredentials reports whether any access key or token is configured, which closes
// every route but the health checks.
func (a Auth) HasCredentials() bool { return len(a.AccessKeys) > 0 || len(a.Tokens) > 0 }

// AccessKey is one SigV4 credential. Exactly one of Secret, SecretFile and SecretEnv is
// set in the file; Load and Parse then read the file or variable into Secret, so the
// gateway only ever looks at Secret. SecretFile and SecretEnv stay set to say where it
// came from.
type AccessKey struct {
	ID         string `yaml:"id"`
	Secret     Secret `yaml:"secret"`
	SecretFile string `yaml:"secret_file"`
	SecretEnv  string `yaml:"secret_env"`
}

// Token is one bearer token. Its secret comes from exactly one of Secret, SecretFile and
// SecretEnv, as an access key's does. Name only labels it in logs and reload messages.
type Token struct {
	Name       string `yaml:"name"`
	Secret     Secret `yaml:"secret"`
	SecretFile string `yaml:"secret_file"`
	SecretEnv  string `yaml:"secret_env"`
}

// Metrics is who may read /metrics.
type Metrics struct {
	// Public serves /metrics without credentials even when the gateway has some, for a
	// Prometheus on a trusted network that is not given a token.
	Public bool `yaml:"public"`
}

// MinTokenLength is the shortest bearer token accepted. A token is the whole credential,
// sent as is on every request, so it must not be guessable: 16 random characters
// (openssl rand -hex 16 gives 32) put it out of reach of an online guess.
const MinTokenLength = 16

// tokenNameRE keeps names to what reads well in a log line.
var tokenNameRE = regexp.MustCompile(`^[A-Za-z0-9_.:@-]{1,64}$`)

// secretSource says where a secret comes from, without revealing it.
func secretSource(s Secret, file, env string) string {
	switch {
	case file != "":
		return "file " + file
	case env != "":
		return "$" + env
	case s.IsSet():
		return "inline"
	}
	return "none"
}

// String shows the key id and where its secret comes from, never the secret.
func (k AccessKey) String() string {
	return k.ID + " (secret: " + secretSource(k.Secret, k.SecretFile, k.SecretEnv) + ")"
}

// GoString is String, so that %#v does not print the secret either.
func (k AccessKey) GoString() string { return "config.AccessKey{" + k.String() + "}" }

// LogValue logs the id and the secret's source.
func (k AccessKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", k.ID), slog.String("secret", secretSource(k.Secret, k.SecretFile, k.SecretEnv)))
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

// label names the token in messages: its name, or its place in the list.
func (t Token) label(i int) string {
	if t.Name != "" {
		return t.Name
	}
	return fmt.Sprintf("tokens[%d]", i)
}

// String shows the token's name and where its secret comes from, never the secret.
func (t Token) String() string {
	return t.Name + " (secret: " + secretSource(t.Secret, t.SecretFile, t.SecretEnv) + ")"
}

// GoString is String, so that %#v does not print the secret either.
func (t Token) GoString() string { return "config.Token{" + t.String() + "}" }

// LogValue logs the name and the secret's source.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", t.Name), slog.String("secret", secretSource(t.Secret, t.SecretFile, t.SecretEnv)))
}

// MarshalJSON writes the token with its secret redacted.
func (t Token) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name       string `json:"name,omitempty"`
		Secret     string `json:"secret"`
		SecretFile string `json:"secret_file,omitempty"`
		SecretEnv  string `json:"secret_env,omitempty"`
	}{t.Name, redacted, t.SecretFile, t.SecretEnv})
}

func (c *Config) validateAuth(p *problems) {
	first := make(map[string]int)
	for i, k := range c.Auth.AccessKeys {
		path := fmt.Sprintf("auth.access_keys[%d]", i)
		switch j, dup := first[k.ID]; {
		case k.ID == "":
			p.add(path+".id", "must not be empty")
		case !accessKeyIDRE.MatchString(k.ID):
			p.add(path+".id", "%q must be 1-128 characters of A-Z, a-z, 0-9 and _ . + = @ -", k.ID)
		case dup:
			p.add(path+".id", "%q is already used by auth.access_keys[%d]", k.ID, j)
		default:
			first[k.ID] = i
		}
		if !k.Secret.IsSet() && k.SecretFile == "" && k.SecretEnv == "" {
			p.add(path, "no secret: set one of secret, secret_file or secret_env")
		}
	}
	names := make(map[string]int)
	for i, t := range c.Auth.Tokens {
		path := fmt.Sprintf("auth.tokens[%d]", i)
		switch j, dup := names[t.Name]; {
		case t.Name == "":
		case !tokenNameRE.MatchString(t.Name):
			p.add(path+".name", "%q must be 1-64 characters of A-Z, a-z, 0-9 and _ . : @ -", t.Name)
		case dup:
			p.add(path+".name", "%q is already used by auth.tokens[%d]", t.Name, j)
		default:
			names[t.Name] = i
		}
		if !t.Secret.IsSet() && t.SecretFile == "" && t.SecretEnv == "" {
			p.add(path, "no secret: set one of secret, secret_file or secret_env")
			continue
		}
		if !t.Secret.IsSet() {
			continue // a Config built in Go, its secret not read yet
		}
		if msg := checkToken(t.Secret.Value()); msg != "" {
			p.add(path+secretKey(t.SecretFile, t.SecretEnv), "%s", msg)
		}
	}
}

// checkToken says what is wrong with a token's secret, without quoting it: too short
// to be safe, or holding characters an Authorization header cannot carry as they are.
func checkToken(s string) string {
	if len(s) < MinTokenLength {
		return fmt.Sprintf("the token is %d characters; at least %d are needed (openssl rand -hex 16 makes one)", len(s), MinTokenLength)
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return fmt.Sprintf("character %d of the token is not printable ASCII without spaces, which an Authorization header needs", i+1)
		}
	}
	return ""
}

// secretKey is the key a secret came from, to point an error at it.
func secretKey(file, env string) string {
	switch {
	case file != "":
		return ".secret_file"
	case env != "":
		return ".secret_env"
	}
	return ".secret"
}
