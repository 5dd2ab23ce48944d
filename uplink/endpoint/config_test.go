package endpoint

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/uplink"
)

func TestConfigValidate(t *testing.T) {
	many := map[string]string{}
	for i := range 51 {
		many[fmt.Sprint("a", i)] = "v"
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		key  string // "" means valid
	}{
		{"minimal", Config{URL: "https://collector.example/firehose"}, ""},
		{"everything", Config{URL: "http://10.0.0.2:8080/x?y=z", AccessKey: "k", Compression: "gzip",
			SourceARN: "arn:aws:firehose:us-east-1:123456789:deliverystream/testStream", CommonAttributes: map[string]string{"a": ""},
			MaxRequestSize: 64 << 20, RequestTimeout: 3 * time.Minute}, ""},
		{"no url", Config{}, "url"},
		{"relative url", Config{URL: "/firehose"}, "url"},
		{"ftp url", Config{URL: "ftp://host/x"}, "url"},
		{"key too long", Config{URL: "https://h", AccessKey: strings.Repeat("k", 4097)}, "access_key"},
		{"key with newline", Config{URL: "https://h", AccessKey: "a\nb"}, "access_key"},
		{"zstd", Config{URL: "https://h", Compression: "zstd"}, "compression"},
		{"snappy", Config{URL: "https://h", Compression: "snappy"}, "compression"},
		{"not an arn", Config{URL: "https://h", SourceARN: "stream"}, "source_arn"},
		{"kinesis arn", Config{URL: "https://h", SourceARN: "arn:aws:kinesis:us-east-1:1:stream/s"}, "source_arn"},
		{"arn with space", Config{URL: "https://h", SourceARN: "arn:aws:firehose:us-east-1:1:deliverystream/a b"}, "source_arn"},
		{"51 attributes", Config{URL: "https://h", CommonAttributes: many}, "common_attributes"},
		{"empty attribute name", Config{URL: "https://h", CommonAttributes: map[string]string{"": "v"}}, "common_attributes"},
		{"long attribute value", Config{URL: "https://h", CommonAttributes: map[string]string{"a": strings.Repeat("é", 1025)}}, "common_attributes"},
		{"request size too small", Config{URL: "https://h", MaxRequestSize: 1000}, "max_request_size"},
		{"request size too big", Config{URL: "https://h", MaxRequestSize: 65 << 20}, "max_request_size"},
		{"negative timeout", Config{URL: "https://h", RequestTimeout: -time.Second}, "request_timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.key == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, uplink.ErrConfig) || !strings.Contains(err.Error(), tc.key+":") {
				t.Fatalf("got %v, want ErrConfig naming %s", err, tc.key)
			}
			if _, err := New(tc.cfg); err == nil {
				t.Fatal("New accepted an invalid config")
			}
		})
	}
}

func TestConfigLogValueHidesSecrets(t *testing.T) {
	var buf strings.Builder
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Info("sink", "config", Config{URL: "https://user:pw@h/p?token=q1", AccessKey: "hunter2"})
	for _, secret := range []string{"hunter2", "q1", "pw"} {
		if strings.Contains(buf.String(), secret) {
			t.Fatalf("log line leaks %q: %s", secret, buf.String())
		}
	}
}
