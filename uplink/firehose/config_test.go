package firehose

import (
	"errors"
	"strings"
	"testing"

	"github.com/tidegate/tidegate/uplink"
)

func TestConfigValidate(t *testing.T) {
	const arn = "arn:aws:firehose:eu-west-1:123456789012:deliverystream/to-cloud"
	for _, tc := range []struct {
		name    string
		cfg     Config
		wantKey string // "" means valid
	}{
		{"name", Config{DeliveryStream: "to-cloud"}, ""},
		{"name, region, endpoint", Config{DeliveryStream: "a.b_c-1", Region: "eu-west-1", Endpoint: "https://hub.example:8080"}, ""},
		{"arn", Config{DeliveryStream: arn}, ""},
		{"arn with its region", Config{DeliveryStream: arn, Region: "eu-west-1"}, ""},
		{"no stream", Config{}, "delivery_stream"},
		{"bad name", Config{DeliveryStream: "to cloud"}, "delivery_stream"},
		{"long name", Config{DeliveryStream: strings.Repeat("s", 65)}, "delivery_stream"},
		{"kinesis arn", Config{DeliveryStream: "arn:aws:kinesis:eu-west-1:123456789012:stream/x"}, "delivery_stream"},
		{"arn without account", Config{DeliveryStream: "arn:aws:firehose:eu-west-1::deliverystream/x"}, "delivery_stream"},
		{"short arn", Config{DeliveryStream: "arn:aws:firehose"}, "delivery_stream"},
		{"arn of another region", Config{DeliveryStream: arn, Region: "us-east-1"}, "region"},
		{"bad region", Config{DeliveryStream: "s", Region: "EU West"}, "region"},
		{"endpoint without scheme", Config{DeliveryStream: "s", Endpoint: "localhost:8080"}, "endpoint"},
		{"endpoint without host", Config{DeliveryStream: "s", Endpoint: "https:///x"}, "endpoint"},
		{"negative attempts", Config{DeliveryStream: "s", MaxAttempts: -1}, "max attempts"},
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

func TestConfigStreamNameAndRegion(t *testing.T) {
	for _, tc := range []struct {
		cfg          Config
		name, region string
	}{
		{Config{DeliveryStream: "s"}, "s", ""},
		{Config{DeliveryStream: "s", Region: "us-east-2"}, "s", "us-east-2"},
		{Config{DeliveryStream: "arn:aws:firehose:ap-south-1:123456789012:deliverystream/hub"}, "hub", "ap-south-1"},
	} {
		name, err := tc.cfg.streamName()
		if err != nil || name != tc.name || tc.cfg.region() != tc.region {
			t.Errorf("%+v: %q %q %v, want %q %q", tc.cfg, name, tc.cfg.region(), err, tc.name, tc.region)
		}
	}
}

// FuzzConfigValidate feeds names, ARNs, regions and endpoints to the
// parsers: an error or nil, never a panic, and a valid configuration always
// yields a name PutRecordBatch accepts.
func FuzzConfigValidate(f *testing.F) {
	f.Add("to-cloud", "", "")
	f.Add("arn:aws:firehose:eu-west-1:123456789012:deliverystream/to-cloud", "eu-west-1", "http://127.0.0.1:8080")
	f.Add("arn:aws:firehose:eu-west-1:1:deliverystream/", "", "https://[::1]:443/x")
	f.Add("arn::::::", "a-", "http://%zz")
	f.Fuzz(func(t *testing.T, stream, region, endpoint string) {
		cfg := Config{DeliveryStream: stream, Region: region, Endpoint: endpoint}
		err := cfg.Validate()
		if err != nil {
			if !errors.Is(err, uplink.ErrConfig) {
				t.Fatalf("error without ErrConfig: %v", err)
			}
			return
		}
		name, err := cfg.streamName()
		if err != nil || !streamNameRe.MatchString(name) {
			t.Fatalf("valid %q gives name %q, %v", stream, name, err)
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
	if err := (Config{DeliveryStream: "to-cloud"}).CheckEnvironment(); !errors.Is(err, uplink.ErrConfig) || !strings.Contains(err.Error(), "firehose: region:") {
		t.Errorf("no region anywhere: %v", err)
	}
	for _, c := range []Config{{DeliveryStream: "to-cloud", Region: "eu-west-1"}, {DeliveryStream: "arn:aws:firehose:eu-west-1:123456789012:deliverystream/to-cloud"}} {
		if err := c.CheckEnvironment(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
	t.Setenv("AWS_REGION", "eu-west-1")
	if err := (Config{DeliveryStream: "to-cloud"}).CheckEnvironment(); err != nil {
		t.Errorf("with AWS_REGION: %v", err)
	}
}
