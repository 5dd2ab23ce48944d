package s3

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tidegate/tidegate/uplink"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		wantIn string
	}{
		{"ok", Config{Bucket: "logs", Prefix: "a/", Compression: "gzip"}, ""},
		{"legacy bucket name", Config{Bucket: "My_Bucket"}, ""},
		{"endpoint", Config{Bucket: "logs", Endpoint: "http://127.0.0.1:9000"}, ""},
		{"no bucket", Config{}, "bucket: required"},
		{"bucket with a slash", Config{Bucket: "a/b"}, "bucket"},
		{"short bucket", Config{Bucket: "ab"}, "bucket"},
		{"endpoint without scheme", Config{Bucket: "logs", Endpoint: "minio:9000"}, "endpoint"},
		{"part size too small", Config{Bucket: "logs", PartSize: 1 << 20}, "part_size"},
		{"part size too big", Config{Bucket: "logs", PartSize: 6 << 30}, "part_size"},
		{"compression", Config{Bucket: "logs", Compression: "brotli"}, "compression"},
		{"expressions without error prefix", Config{Bucket: "logs", Prefix: "!{timestamp:yyyy}/"}, "error_prefix"},
		{"error prefix without output type", Config{Bucket: "logs", Prefix: "!{timestamp:yyyy}/", ErrorPrefix: "e/"}, "error_prefix"},
		{"bad expression", Config{Bucket: "logs", Prefix: "!{firehose:uuid}/"}, `"!{firehose:uuid}"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantIn == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, uplink.ErrConfig) || !strings.Contains(err.Error(), tt.wantIn) {
				t.Fatalf("Validate = %v, want an ErrConfig naming %q", err, tt.wantIn)
			}
		})
	}
}

func TestNewRegionAndAddressing(t *testing.T) {
	useCredentials(t, "id", "secret")
	yes, no := true, false
	tests := []struct {
		name       string
		cfg        Config
		region     string
		pathStyle  bool
		wantConfig bool
	}{
		{"aws needs a region", Config{Bucket: "logs"}, "", false, true},
		{"aws", Config{Bucket: "logs", Region: "eu-west-1"}, "eu-west-1", false, false},
		{"endpoint: path style, default region", Config{Bucket: "logs", Endpoint: "http://127.0.0.1:9000"}, "us-east-1", true, false},
		{"endpoint, virtual hosts", Config{Bucket: "logs", Endpoint: "https://s3.example", ForcePathStyle: &no}, "us-east-1", false, false},
		{"aws, path style", Config{Bucket: "logs", Region: "eu-west-1", ForcePathStyle: &yes}, "eu-west-1", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(context.Background(), tt.cfg)
			if tt.wantConfig {
				if !errors.Is(err, uplink.ErrConfig) {
					t.Fatalf("New = %v, want ErrConfig", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			o := s.client.(*s3.Client).Options()
			if o.Region != tt.region || o.UsePathStyle != tt.pathStyle {
				t.Errorf("region %q, path style %v; want %q, %v", o.Region, o.UsePathStyle, tt.region, tt.pathStyle)
			}
		})
	}
}

func TestRegionFromEnvironment(t *testing.T) {
	useCredentials(t, "id", "secret")
	t.Setenv("AWS_REGION", "ap-northeast-1")
	s, err := New(context.Background(), Config{Bucket: "logs"})
	if err != nil {
		t.Fatal(err)
	}
	if r := s.client.(*s3.Client).Options().Region; r != "ap-northeast-1" {
		t.Errorf("region %q, want the environment's", r)
	}
}

// The region must be known where the gateway runs: configured, in the AWS
// environment, or a self-hosted store's (endpoint).
func TestCheckEnvironmentWantsARegion(t *testing.T) {
	useCredentials(t, "id", "secret") // clears AWS_REGION and the profile
	t.Setenv("AWS_DEFAULT_REGION", "")
	cfg := Config{Bucket: "telemetry"}
	if err := cfg.CheckEnvironment(); !errors.Is(err, uplink.ErrConfig) || !strings.Contains(err.Error(), "s3: region:") {
		t.Errorf("no region anywhere: %v", err)
	}
	for _, c := range []Config{{Bucket: "b", Region: "eu-west-1"}, {Bucket: "b", Endpoint: "http://minio:9000"}} {
		if err := c.CheckEnvironment(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
	t.Setenv("AWS_REGION", "eu-west-1")
	if err := cfg.CheckEnvironment(); err != nil {
		t.Errorf("with AWS_REGION: %v", err)
	}
}
