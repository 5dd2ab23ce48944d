package kinesis

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/awsclient"
)

// Config is the `to:` block of a delivery of type kinesis.
type Config struct {
	// Stream is the destination stream's name or ARN. With an ARN the
	// region defaults to the ARN's.
	Stream string `yaml:"stream"`
	// Region is the AWS region; empty means the standard chain's
	// (AWS_REGION, the shared config profile) or the ARN's.
	Region string `yaml:"region"`
	// Endpoint replaces the regional Kinesis endpoint (kinesalite, a VPC
	// endpoint, another Tidegate): an http or https URL.
	Endpoint string `yaml:"endpoint"`
	// MaxAttempts is how many times the AWS SDK tries one call that failed
	// with a retryable error (throttling, 5xx, a broken connection) before
	// Send returns the error to the delivery engine, which backs off on its
	// own. 0 means 3. Not a configuration key: tests and the gateway set it.
	MaxAttempts int `yaml:"-"`
}

var streamNameRe = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,128}$`)

// Validate checks the configuration without touching the network.
func (c Config) Validate() error {
	if _, _, err := c.target(); err != nil {
		return err
	}
	if err := awsclient.Check(c.Region, c.Endpoint, c.MaxAttempts); err != nil {
		return fmt.Errorf("%w: kinesis: %w", uplink.ErrConfig, err)
	}
	return nil
}

// CheckEnvironment says whether the region the client signs for is known
// on this machine.
func (c Config) CheckEnvironment() error {
	if err := awsclient.CheckRegion(context.Background(), c.region()); err != nil {
		return fmt.Errorf("%w: kinesis: region: %w", uplink.ErrConfig, err)
	}
	return nil
}

var _ uplink.EnvironmentChecker = Config{}

// target returns the stream as PutRecords names it (a name, or an ARN when
// isARN) and the region the stream lives in ("" when the configuration does
// not say).
func (c Config) target() (stream string, isARN bool, err error) {
	s := c.Stream
	switch {
	case s == "":
		return "", false, fmt.Errorf("%w: kinesis: stream is required", uplink.ErrConfig)
	case strings.HasPrefix(s, "arn:"):
		region, err := parseStreamARN(s)
		if err != nil {
			return "", false, fmt.Errorf("%w: kinesis: stream: %w", uplink.ErrConfig, err)
		}
		if c.Region != "" && region != c.Region {
			return "", false, fmt.Errorf("%w: kinesis: region %q differs from the stream ARN's %q", uplink.ErrConfig, c.Region, region)
		}
		return s, true, nil
	case !streamNameRe.MatchString(s):
		return "", false, fmt.Errorf("%w: kinesis: stream %q: a name is 1 to 128 letters, digits, '_', '.' or '-'", uplink.ErrConfig, s)
	}
	return s, false, nil
}

// region is the region the client signs for: the configured one, else the
// stream ARN's, else "" (the standard chain decides).
func (c Config) region() string {
	if c.Region != "" {
		return c.Region
	}
	if r, err := parseStreamARN(c.Stream); err == nil {
		return r
	}
	return ""
}

// parseStreamARN checks arn:PARTITION:kinesis:REGION:ACCOUNT:stream/NAME
// and returns its region.
func parseStreamARN(s string) (region string, err error) {
	a, err := arn.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%q is not an ARN: %w", s, err)
	}
	name, ok := strings.CutPrefix(a.Resource, "stream/")
	switch {
	case a.Service != "kinesis" || !ok:
		return "", fmt.Errorf("ARN %q does not name a Kinesis stream (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)", s)
	case !streamNameRe.MatchString(name):
		return "", fmt.Errorf("ARN %q: stream name %q is not 1 to 128 letters, digits, '_', '.' or '-'", s, name)
	case !awsclient.IsRegion(a.Region):
		return "", fmt.Errorf("ARN %q: region %q is not an AWS region name", s, a.Region)
	case a.Partition == "" || a.AccountID == "":
		return "", fmt.Errorf("ARN %q lacks a partition or an account", s)
	}
	return a.Region, nil
}
