package config

import (
	"fmt"
	"strings"
)

// envSettings are the variables that override single settings, in the order applied.
// Values are taken as they are; Validate checks them, naming the variable.
var envSettings = []struct {
	name, path string
	set        func(c *Config, v string)
}{
	{"TIDEGATE_DATA_DIR", "data_dir", func(c *Config, v string) { c.DataDir = v }},
	{"TIDEGATE_STORAGE_RESERVE", "storage.reserve", func(c *Config, v string) { c.Storage.Reserve = DiskReserve(v) }},
	{"TIDEGATE_LOG_LEVEL", "log.level", func(c *Config, v string) { c.Log.Level = LogLevel(v) }},
	{"TIDEGATE_LOG_FORMAT", "log.format", func(c *Config, v string) { c.Log.Format = LogFormat(v) }},
	{"TIDEGATE_LISTEN_HTTP", "listen.http", func(c *Config, v string) { c.Listen.HTTP = v }},
	{"TIDEGATE_TLS_CERT_FILE", "listen.tls.cert_file", func(c *Config, v string) { c.tls().CertFile = v }},
	{"TIDEGATE_TLS_KEY_FILE", "listen.tls.key_file", func(c *Config, v string) { c.tls().KeyFile = v }},
	{"TIDEGATE_KINESIS_REGION", "kinesis.region", func(c *Config, v string) { c.Kinesis.Region = v }},
	{"TIDEGATE_KINESIS_ACCOUNT_ID", "kinesis.account_id", func(c *Config, v string) { c.Kinesis.AccountID = v }},
	{"TIDEGATE_MQTT_LISTEN", "mqtt.listen", func(c *Config, v string) { c.MQTT.Listen = v }},
}

// The access key pair from the environment, named as the AWS SDKs name theirs.
const (
	envAccessKeyID     = "TIDEGATE_ACCESS_KEY_ID"
	envSecretAccessKey = "TIDEGATE_SECRET_ACCESS_KEY"
)

// envToken adds one bearer token, for the gateway (one more entry in auth.tokens) and
// for the CLI (which sends it), so one variable on a box serves both.
const envToken = "TIDEGATE_TOKEN"

// parseEnviron turns os.Environ()-shaped pairs into a map. A later pair wins, as in
// os/exec; an empty value counts as unset, so `TIDEGATE_X=` cannot blank a setting.
func parseEnviron(environ []string) map[string]string {
	env := make(map[string]string)
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if v == "" {
			delete(env, k)
			continue
		}
		env[k] = v
	}
	return env
}

// applyEnv lays the TIDEGATE_* variables over c. The only error it finds itself is half
// an access key pair; bad values are left for Validate, which names the variable.
func (c *Config) applyEnv(env map[string]string) []error {
	if _, ok := env[envToken]; ok {
		path := fmt.Sprintf("auth.tokens[%d]", len(c.Auth.Tokens))
		// resolveSecrets reads the secret, like any secret_env.
		c.Auth.Tokens = append(c.Auth.Tokens, Token{Name: envToken, SecretEnv: envToken})
		c.origins.fromEnv(path, envToken)
	}
	for _, s := range envSettings {
		if v, ok := env[s.name]; ok {
			if strings.HasPrefix(s.path, "listen.tls.") && c.Listen.TLS == nil {
				c.origins.fromEnv("listen.tls", s.name) // the variable turned TLS on
			}
			s.set(c, v)
			c.origins.fromEnv(s.path, s.name)
		}
	}
	id, hasID := env[envAccessKeyID]
	_, hasSecret := env[envSecretAccessKey]
	switch {
	case hasID && hasSecret:
		path := fmt.Sprintf("auth.access_keys[%d]", len(c.Auth.AccessKeys))
		// resolveSecrets reads the secret, like any secret_env.
		c.Auth.AccessKeys = append(c.Auth.AccessKeys, AccessKey{ID: id, SecretEnv: envSecretAccessKey})
		c.origins.fromEnv(path, envAccessKeyID)
	case hasID:
		return []error{&Error{Env: envAccessKeyID, Msg: "set without " + envSecretAccessKey + ": set both or neither"}}
	case hasSecret:
		return []error{&Error{Env: envSecretAccessKey, Msg: "set without " + envAccessKeyID + ": set both or neither"}}
	}
	return nil
}

// tls returns c.Listen.TLS, creating it, for a variable that sets one of its files.
func (c *Config) tls() *TLS {
	if c.Listen.TLS == nil {
		c.Listen.TLS = &TLS{}
	}
	return c.Listen.TLS
}
