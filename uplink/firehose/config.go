package firehose

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/awsclient"
)

// Config is the `to:` block of a delivery of type firehose.
type Config struct {
	// DeliveryStream is the delivery stream's name or ARN. PutRecordBatch
	// takes a name: of an ARN the name is used and the region defaults to
	// the ARN's.
	DeliveryStream string `yaml:"delivery_stream"`
	// Region is the AWS region; empty means the standard chain's
	// (AWS_REGION, the shared config profile) or the ARN's.
	Region string `yaml:"region"`
	// Endpoint replaces the regional Firehose endpoint (a VPC endpoint,
	// another Tidegate): an http or https URL.
	Endpoint string `yaml:"endpoint"`
	// MaxAttempts is how many times the AWS SDK tries one call that failed
	// with a retryable error (throttling, 5xx, a broken connection) before
	// Send returns the error to the delivery engine, which backs off on its
	// own. 0 means 3. Not a configuration key: tests and the gateway set it.
	MaxAttempts int `yaml:"-"`
}

var streamNameRe = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,64}$`)

// Validate checks the configuration without touching the network.
func (c Config) Validate() error {
	if _, err := c.streamName(); err != nil {
		return err
	}
	if err := awsclient.Check(c.Region, c.Endpoint, c.MaxAttempts); err != nil {
		return fmt.Errorf("%w: firehose: %w", uplink.ErrConfig, err)
	}
	return nil
}

// CheckEnvironment says whether the region the client signs for is known
// on this machine.
func (c Config) CheckEnvironment() error {
	if err := awsclient.CheckRegion(context.Background(), c.region()); err != nil {
		return fmt.Errorf("%w: firehose: region: %w", uplink.ErrConfig, err)
	}
	return nil
}

var _ uplink.EnvironmentChecker = Config{}

// streamName is the delivery stream's name, taken out of an ARN if need be.
func (c Config) streamName() (string, error) {
	s := c.DeliveryStream
	switch {
	case s == "":
		return "", fmt.Errorf("%w: firehose: delivery_stream is required", uplink.ErrConfig)
	case strings.HasPrefix(s, "arn:"):
		name, region, err := parseStreamARN(s)
		if err != nil {
			return "", fmt.Errorf("%w: firehose: delivery_stream: %w", uplink.ErrConfig, err)
		}
		if c.Region != "" && region != c.Region {
			return "", fmt.Errorf("%w: firehose: region %q differs from the delivery_stream ARN's %q", uplink.ErrConfig, c.Region, region)
		}
		return name, nil
	case !streamNameRe.MatchString(s):
		return "", fmt.Errorf("%w: firehose: delivery_stream %q: a name is 1 to 64 letters, digits, '_', '.' or '-'", uplink.ErrConfig, s)
	}
	return s, nil
}

// region is the region the client signs for: the configured one, else the
// ARN's, else "" (the standard chain decides).
func (c Config) region() string {
	if c.Region != "" {
		return c.Region
	}
	if _, r, err := parseStreamARN(c.DeliveryStream); err == nil {
		return r
	}
	return ""
}

// parseStreamARN checks
// arn:PARTITION:firehose:REGION:ACCOUNT:deliverystream/NAME.
func parseStreamARN(s string) (name, region string, err error) {
	a, err := arn.Parse(s)
	if err != nil {
		return "", "", fmt.Errorf("%q is not an ARN: %w", s, err)
	}
	name, ok := strings.CutPrefix(a.Resource, "deliverystream/")
	switch {
	case a.Service != "firehose" || !ok:
		return "", "", fmt.Errorf("ARN %q does not name a delivery stream (arn:aws:firehose:REGION:ACCOUNT:deliverystream/NAME)", s)
	case !streamNameRe.MatchString(name):
		return "", "", fmt.Errorf("ARN %q: name %q is not 1 to 64 letters, digits, '_', '.' or '-'", s, name)
	case !awsclient.IsRegion(a.Region):
		return "", "", fmt.Errorf("ARN %q: region %q is not an AWS region name", s, a.Region)
	case a.Partition == "" || a.AccountID == "":
		return "", "", fmt.Errorf("ARN %q lacks a partition or an account", s)
	}
	return name, a.Region, nil
}
