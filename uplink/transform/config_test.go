package transform

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/uplink"
)

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  uplink.TransformConfig
		key  string // "" means valid
	}{
		{"http", HTTPConfig{URL: "https://transform.local/fn", Headers: map[string]string{"Authorization": "Bearer x"}, Invocation: Invocation{Timeout: time.Minute, MaxRecords: 500, MaxPayload: 1 << 20}}, ""},
		{"command", CommandConfig{Command: []string{"python3", "-u", "t.py"}, Env: []string{"PYTHONUNBUFFERED=1"}}, ""},
		{"http without url", HTTPConfig{}, "url"},
		{"http bad url", HTTPConfig{URL: "file:///x"}, "url"},
		{"http bad header", HTTPConfig{URL: "https://x", Headers: map[string]string{"Bad Name": "v"}}, "headers"},
		{"http header newline", HTTPConfig{URL: "https://x", Headers: map[string]string{"X-A": "v\r\nX-B: w"}}, "headers"},
		{"http content-type header", HTTPConfig{URL: "https://x", Headers: map[string]string{"content-type": "text/plain"}}, "headers"},
		{"command empty", CommandConfig{}, "command"},
		{"command bad env", CommandConfig{Command: []string{"x"}, Env: []string{"NOEQUALS"}}, "env"},
		{"negative timeout", HTTPConfig{URL: "https://x", Invocation: Invocation{Timeout: -1}}, "timeout"},
		{"negative max_records", CommandConfig{Command: []string{"x"}, Invocation: Invocation{MaxRecords: -1}}, "max_records"},
		{"tiny max_payload", HTTPConfig{URL: "https://x", Invocation: Invocation{MaxPayload: 10}}, "max_payload"},
		{"bad region", HTTPConfig{URL: "https://x", Invocation: Invocation{Region: "eu west"}}, "region"},
		{"no retries", CommandConfig{Command: []string{"x"}, Invocation: Invocation{Retries: ptr(0)}}, ""},
		{"negative retries", CommandConfig{Command: []string{"x"}, Invocation: Invocation{Retries: ptr(-1)}}, "retries"},
		{"too many retries", HTTPConfig{URL: "https://x", Invocation: Invocation{Retries: ptr(301)}}, "retries"},
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
		})
	}
}

// The registered types fill in what the gateway knows: the event names the
// delivery with the gateway's region and account unless configured.
func TestRegisteredTypesTakeTheEnv(t *testing.T) {
	env := uplink.Env{Delivery: "to-cloud", Region: "eu-west-1", AccountID: "111122223333"}
	for _, tc := range []struct {
		cfg         Invocation
		region, arn string
	}{
		{Invocation{}, "eu-west-1", "arn:aws:firehose:eu-west-1:111122223333:deliverystream/to-cloud"},
		{Invocation{Region: "us-west-2", DeliveryStreamARN: "arn:aws:firehose:us-west-2:1:deliverystream/x"}, "us-west-2", "arn:aws:firehose:us-west-2:1:deliverystream/x"},
	} {
		got := tc.cfg.withEnv(env)
		if got.Region != tc.region || got.streamARN("to-cloud") != tc.arn {
			t.Errorf("%+v: region %s, ARN %s; want %s, %s", tc.cfg, got.Region, got.streamARN("to-cloud"), tc.region, tc.arn)
		}
	}
	spec := uplink.Spec{Name: "to-cloud", TransformType: TypeHTTP, Transform: &HTTPConfig{URL: "http://127.0.0.1:1/fn"}}
	tr, err := uplink.NewTransformer(context.Background(), spec, env)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if h := tr.(*HTTP); h.cfg.Region != "eu-west-1" || h.cfg.DeliveryStreamARN != env.DeliveryStreamARN() {
		t.Errorf("http transform built with %+v", h.cfg)
	}
	spec.TransformType = TypeCommand
	if _, err := uplink.NewTransformer(context.Background(), spec, env); err == nil {
		t.Error("an http configuration built a command transform")
	}
}

func ptr[T any](v T) *T { return &v }

// Retries default to Firehose's three and take what is configured, 0
// included.
func TestRetries(t *testing.T) {
	if got := (Invocation{}).retries(); got != 3 {
		t.Errorf("default retries %d, want 3", got)
	}
	if got := (Invocation{Retries: ptr(0)}).retries(); got != 0 {
		t.Errorf("retries 0 became %d", got)
	}
}

// The program must be there where the gateway runs.
func TestCommandCheckEnvironment(t *testing.T) {
	if err := (CommandConfig{Command: []string{"sh"}}).CheckEnvironment(); err != nil {
		t.Errorf("sh: %v", err)
	}
	err := (CommandConfig{Command: []string{"/nonexistent/enrich.py"}}).CheckEnvironment()
	if !errors.Is(err, uplink.ErrConfig) || !strings.Contains(err.Error(), "command:") {
		t.Errorf("a missing program: %v", err)
	}
}
