package kafka

import (
	"errors"
	"strings"
	"testing"

	"github.com/tidegate/tidegate/uplink"
)

func TestValidate(t *testing.T) {
	ok := Config{Brokers: []string{"kafka-1:9092", "10.0.0.7", "[::1]:9093"}, Topic: "sensors.readings_v1"}
	for _, tc := range []struct {
		name   string
		change func(*Config)
		key    string // "" when valid
	}{
		{"valid", func(*Config) {}, ""},
		{"every option", func(c *Config) {
			c.Compression, c.MaxMessageBytes, c.ClientID = "zstd", 2<<20, "edge-7"
			c.SASL = &SASL{Mechanism: "SCRAM-SHA-512", Username: "u", Password: "p"}
			c.TLS = &TLS{CAFile: "ca.pem", CertFile: "c.pem", KeyFile: "k.pem"}
		}, ""},
		{"no brokers", func(c *Config) { c.Brokers = nil }, "brokers"},
		{"empty broker", func(c *Config) { c.Brokers = []string{""} }, "brokers[0]"},
		{"URL broker", func(c *Config) { c.Brokers = []string{"kafka://k:9092"} }, "brokers[0]"},
		{"list in one broker", func(c *Config) { c.Brokers = []string{"a:9092", "b:9092,c:9092"} }, "brokers[1]"},
		{"bad port", func(c *Config) { c.Brokers = []string{"k:99999"} }, "brokers[0]"},
		{"missing port number", func(c *Config) { c.Brokers = []string{"k:"} }, "brokers[0]"},
		{"no host", func(c *Config) { c.Brokers = []string{":9092"} }, "brokers[0]"},
		{"no topic", func(c *Config) { c.Topic = "" }, "topic"},
		{"bad topic", func(c *Config) { c.Topic = "sensors/readings" }, "topic"},
		{"dot topic", func(c *Config) { c.Topic = ".." }, "topic"},
		{"long topic", func(c *Config) { c.Topic = strings.Repeat("t", 250) }, "topic"},
		{"compression", func(c *Config) { c.Compression = "brotli" }, "compression"},
		{"max_message_bytes small", func(c *Config) { c.MaxMessageBytes = 100 }, "max_message_bytes"},
		{"max_message_bytes large", func(c *Config) { c.MaxMessageBytes = maxMessageBytes + 1 }, "max_message_bytes"},
		{"timeout", func(c *Config) { c.Timeout = 1 }, "timeout"},
		{"sasl mechanism", func(c *Config) { c.SASL = &SASL{Mechanism: "gssapi", Username: "u", Password: "p"} }, "sasl.mechanism"},
		{"sasl no mechanism", func(c *Config) { c.SASL = &SASL{Username: "u", Password: "p"} }, "sasl.mechanism"},
		{"sasl username", func(c *Config) { c.SASL = &SASL{Mechanism: "plain", Password: "p"} }, "sasl.username"},
		{"sasl password", func(c *Config) { c.SASL = &SASL{Mechanism: "plain", Username: "u"} }, "sasl.password"},
		{"sasl password twice", func(c *Config) {
			c.SASL = &SASL{Mechanism: "plain", Username: "u", Password: "p", PasswordEnv: "KAFKA_PASSWORD"}
		}, "sasl.password"},
		{"sasl password from env", func(c *Config) { c.SASL = &SASL{Mechanism: "plain", Username: "u", PasswordEnv: "KAFKA_PASSWORD"} }, ""},
		{"tls cert without key", func(c *Config) { c.TLS = &TLS{CertFile: "c.pem"} }, "tls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			c.Brokers = append([]string(nil), ok.Brokers...)
			tc.change(&c)
			err := c.Validate()
			switch {
			case tc.key == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tc.key == "":
			case !errors.Is(err, uplink.ErrConfig):
				t.Fatalf("Validate: %v, want ErrConfig", err)
			case !strings.Contains(err.Error(), "kafka: "+tc.key+":"):
				t.Fatalf("Validate: %q does not name key %q", err, tc.key)
			}
		})
	}
}

// FuzzValidate feeds arbitrary broker, topic and compression strings
// through validation: an answer, never a panic, and a valid config builds
// client options.
func FuzzValidate(f *testing.F) {
	f.Add("localhost:9092", "events", "gzip")
	f.Add("[::1]:9092", "a.b-c_d", "none")
	f.Add("[::1", "..", "ZSTD")
	f.Add("host:port:extra", "t", "")
	f.Add("kafka://x", "\x00", "lz4")
	f.Fuzz(func(t *testing.T, broker, topic, compression string) {
		cfg := Config{Brokers: []string{broker}, Topic: topic, Compression: compression}
		if err := cfg.Validate(); err != nil {
			if !errors.Is(err, uplink.ErrConfig) {
				t.Fatalf("Validate: %v is not an ErrConfig", err)
			}
			return
		}
		if _, err := clientOptions(cfg); err != nil {
			t.Fatalf("valid config %+v: client options: %v", cfg, err)
		}
	})
}

// What the configuration names must be there where the gateway runs.
func TestCheckEnvironmentReadsWhatItNames(t *testing.T) {
	ok := Config{Brokers: []string{"kafka-1:9092"}, Topic: "t"}
	if err := ok.CheckEnvironment(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		key  string
	}{
		{"missing CA file", Config{Brokers: ok.Brokers, Topic: "t", TLS: &TLS{CAFile: "/nonexistent/ca.pem"}}, "tls.ca_file"},
		{"unset password variable", Config{Brokers: ok.Brokers, Topic: "t", SASL: &SASL{Mechanism: "plain", Username: "u", PasswordEnv: "TIDEGATE_TEST_UNSET_PASSWORD"}}, "sasl.password_env"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cfg.Validate(); err != nil {
				t.Fatalf("Validate: %v (it does not read files or variables)", err)
			}
			if err := tc.cfg.CheckEnvironment(); !errors.Is(err, uplink.ErrConfig) || !strings.Contains(err.Error(), tc.key) {
				t.Errorf("got %v, want ErrConfig naming %s", err, tc.key)
			}
		})
	}
}
