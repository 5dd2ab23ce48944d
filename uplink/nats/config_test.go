package nats

import (
	"errors"
	"strings"
	"testing"

	"github.com/tidegate/tidegate/uplink"
)

func TestValidate(t *testing.T) {
	ok := Config{URL: "nats://a:4222, tls://b:4222,nats://user:pw@c", Subject: "tidegate.{stream}.{partition_key}"}
	for _, tc := range []struct {
		name   string
		change func(*Config)
		key    string // "" when valid
	}{
		{"valid", func(*Config) {}, ""},
		{"every option", func(c *Config) {
			c.Credentials = &Credentials{CredsFile: "u.creds"}
			c.TLS = &TLS{CAFile: "ca.pem", CertFile: "c.pem", KeyFile: "k.pem"}
			c.MaxPending, c.Timeout = 1000, 3e9
		}, ""},
		{"websocket", func(c *Config) { c.URL = "wss://nats.example:443" }, ""},
		{"no url", func(c *Config) { c.URL = " " }, "url"},
		{"empty server", func(c *Config) { c.URL = "nats://a:4222,,nats://b" }, "url"},
		{"http url", func(c *Config) { c.URL = "http://a:4222" }, "url"},
		{"bare host", func(c *Config) { c.URL = "a:4222" }, "url"},
		{"no host", func(c *Config) { c.URL = "nats://:4222" }, "url"},
		{"bad url", func(c *Config) { c.URL = "nats://a:b:c\x7f" }, "url"},
		{"no subject", func(c *Config) { c.Subject = "" }, "subject"},
		{"wildcard subject", func(c *Config) { c.Subject = "a.>" }, "subject"},
		{"two credentials", func(c *Config) { c.Credentials = &Credentials{Token: "t", Username: "u"} }, "credentials"},
		{"no credentials", func(c *Config) { c.Credentials = &Credentials{} }, "credentials"},
		{"password alone", func(c *Config) { c.Credentials = &Credentials{Password: "p"} }, "credentials.password"},
		{"token twice", func(c *Config) { c.Credentials = &Credentials{Token: "t", TokenFile: "/run/secrets/nats"} }, "credentials.token"},
		{"token from env", func(c *Config) { c.Credentials = &Credentials{TokenEnv: "NATS_TOKEN"} }, ""},
		{"password from file", func(c *Config) { c.Credentials = &Credentials{Username: "u", PasswordFile: "/run/secrets/nats"} }, ""},
		{"password file alone", func(c *Config) { c.Credentials = &Credentials{PasswordFile: "/run/secrets/nats"} }, "credentials.password"},
		{"tls key without cert", func(c *Config) { c.TLS = &TLS{KeyFile: "k.pem"} }, "tls"},
		{"negative timeout", func(c *Config) { c.Timeout = -1 }, "timeout"},
		{"max_pending", func(c *Config) { c.MaxPending = -1 }, "max_pending"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.change(&c)
			err := c.Validate()
			switch {
			case tc.key == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tc.key == "":
			case !errors.Is(err, uplink.ErrConfig):
				t.Fatalf("Validate: %v, want ErrConfig", err)
			case !strings.Contains(err.Error(), "nats: "+tc.key+":"):
				t.Fatalf("Validate: %q does not name key %q", err, tc.key)
			}
		})
	}
}

// FuzzValidate: any url and subject get an answer, never a panic.
func FuzzValidate(f *testing.F) {
	f.Add("nats://127.0.0.1:4222", "a.{partition_key}")
	f.Add("nats://a,tls://b:1", "{stream}")
	f.Add("://", "..")
	f.Add("nats://[::1", "a.{")
	f.Fuzz(func(t *testing.T, url, subject string) {
		err := Config{URL: url, Subject: subject}.Validate()
		if err != nil && !errors.Is(err, uplink.ErrConfig) {
			t.Fatalf("Validate: %v is not an ErrConfig", err)
		}
	})
}

// What the configuration names must be there where the gateway runs.
func TestCheckEnvironmentReadsWhatItNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		key  string
	}{
		{"missing creds file", Config{URL: "nats://a:4222", Subject: "s", Credentials: &Credentials{CredsFile: "/nonexistent/u.creds"}}, "credentials.creds_file"},
		{"missing CA file", Config{URL: "tls://a:4222", Subject: "s", TLS: &TLS{CAFile: "/nonexistent/ca.pem"}}, "tls.ca_file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cfg.Validate(); err != nil {
				t.Fatalf("Validate: %v (it does not read files)", err)
			}
			if err := tc.cfg.CheckEnvironment(); !errors.Is(err, uplink.ErrConfig) || !strings.Contains(err.Error(), tc.key) {
				t.Errorf("got %v, want ErrConfig naming %s", err, tc.key)
			}
		})
	}
}
