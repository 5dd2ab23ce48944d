package kinesis

import (
	"errors"
	"strings"
	"testing"

	"github.com/tidegate/tidegate/uplink"
)

func TestConfigValidate(t *testing.T) {
	const arn = "arn:aws:kinesis:eu-west-1:123456789012:stream/sensors"
	for _, tc := range []struct {
		name    string
		cfg     Config
		wantKey string // "" means valid
	}{
		{"name", Config{Stream: "sensors"}, ""},
		{"name, region, endpoint", Config{Stream: "a.b_c-1", Region: "eu-west-1", Endpoint: "https://kinesis.example:4567"}, ""},
		{"arn", Config{Stream: arn}, ""},
		{"arn with its region", Config{Stream: arn, Region: "eu-west-1"}, ""},
		{"china arn", Config{Stream: "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s"}, ""},
		{"no stream", Config{}, "stream"},
		{"bad name", Config{Stream: "sensors/temp"}, "stream"},
		{"long name", Config{Stream: strings.Repeat("s", 129)}, "stream"},
		{"firehose arn", Config{Stream: "arn:aws:firehose:eu-west-1:123456789012:deliverystream/x"}, "stream"},
		{"arn without account", Config{Stream: "arn:aws:kinesis:eu-west-1::stream/x"}, "stream"},
		{"arn without region", Config{Stream: "arn:aws:kinesis::123456789012:stream/x"}, "stream"},
		{"short arn", Config{Stream: "arn:aws:kinesis"}, "stream"},
		{"arn of another region", Config{Stream: arn, Region: "us-east-1"}, "region"},
		{"bad region", Config{Stream: "s", Region: "EU West"}, "region"},
		{"endpoint without scheme", Config{Stream: "s", Endpoint: "localhost:4567"}, "endpoint"},
		{"endpoint of another scheme", Config{Stream: "s", Endpoint: "ftp://host"}, "endpoint"},
		{"endpoint without host", Config{Stream: "s", Endpoint: "http://"}, "endpoint"},
		{"negative attempts", Config{Stream: "s", MaxAttempts: -1}, "max attempts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.wantKey == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, uplink.ErrConfig) || !strings.Contains(err.Error(), tc.wantKey) {
				t.Fatalf("want an ErrConfig naming %q, got %v", tc.wantKey, err)
			}
		})
	}
}

func TestConfigRegion(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Stream: "s"}, ""},
		{Config{Stream: "s", Region: "us-east-2"}, "us-east-2"},
		{Config{Stream: "arn:aws:kinesis:ap-south-1:123456789012:stream/s"}, "ap-south-1"},
	} {
		if got := tc.cfg.region(); got != tc.want {
			t.Errorf("%+v: region %q, want %q", tc.cfg, got, tc.want)
		}
	}
}

// FuzzConfigValidate feeds stream names, ARNs, regions and endpoints to the
// parsers: an error or nil, never a panic, and a valid ARN always yields a
// region.
func FuzzConfigValidate(f *testing.F) {
	f.Add("sensors", "", "")
	f.Add("arn:aws:kinesis:eu-west-1:123456789012:stream/sensors", "eu-west-1", "http://127.0.0.1:4567")
	f.Add("arn:aws:kinesis:eu-west-1:1:stream/", "", "https://[::1]:443/x")
	f.Add("arn::::::", "a-", "http://%zz")
	f.Fuzz(func(t *testing.T, stream, region, endpoint string) {
		cfg := Config{Stream: stream, Region: region, Endpoint: endpoint}
		err := cfg.Validate()
		if err != nil && !errors.Is(err, uplink.ErrConfig) {
			t.Fatalf("error without ErrConfig: %v", err)
		}
		if err == nil && strings.HasPrefix(stream, "arn:") && cfg.region() == "" {
			t.Fatalf("valid ARN %q without a region", stream)
		}
	})
}

// The region must be known where the gateway runs: configured, in the ARN,
// or in the AWS environment.
func TestCheckEnvironmentWantsARegion(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", dir+"/config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", dir+"/credentials")
	if err := (Config{Stream: "edge"}).CheckEnvironment(); !errors.Is(err, uplink.ErrConfig) || !strings.Contains(err.Error(), "kinesis: region:") {
		t.Errorf("no region anywhere: %v", err)
	}
	for _, c := range []Config{{Stream: "edge", Region: "eu-west-1"}, {Stream: "arn:aws:kinesis:eu-west-1:123456789012:stream/edge"}} {
		if err := c.CheckEnvironment(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
	t.Setenv("AWS_REGION", "eu-west-1")
	if err := (Config{Stream: "edge"}).CheckEnvironment(); err != nil {
		t.Errorf("with AWS_REGION: %v", err)
	}
}
