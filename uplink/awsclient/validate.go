package awsclient

import (
	"context"
	"fmt"
	"net/url"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/config"
)

// regionRe is the shape of every AWS region name (eu-west-1,
// us-gov-east-1, cn-north-1); which regions exist is the SDK's business.
var regionRe = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// IsRegion says whether s can be an AWS region name, so that a typo is a
// configuration error rather than a signing failure on every call.
func IsRegion(s string) bool { return regionRe.MatchString(s) }

// CheckRegion tells whether a client for region can be made here: a
// region given is taken as it is (Check judges its shape); none takes the
// standard chain's (AWS_REGION, AWS_DEFAULT_REGION, the profile), which
// must then name one. It reads the environment and the shared config
// files, as Load does, and nothing from the network.
func CheckRegion(ctx context.Context, region string) error {
	if region != "" {
		return nil
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return fmt.Errorf("not set here nor in the AWS environment (AWS_REGION, AWS_DEFAULT_REGION, the profile's region)")
	}
	return nil
}

// Check validates, without touching the network, the settings an AWS
// destination's configuration has besides its target: a region ("" lets
// the standard chain decide), an endpoint ("" is the service's regional
// one; else an http or https URL with a host) and the SDK's attempts per
// call (0 is DefaultMaxAttempts). The error starts with the setting at
// fault.
func Check(region, endpoint string, maxAttempts int) error {
	if region != "" && !IsRegion(region) {
		return fmt.Errorf("region %q is not an AWS region name", region)
	}
	if endpoint != "" {
		u, err := url.Parse(endpoint)
		if err != nil {
			return fmt.Errorf("endpoint: %w", err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("endpoint %q: want an http:// or https:// URL with a host", endpoint)
		}
	}
	if maxAttempts < 0 {
		return fmt.Errorf("max attempts %d is negative", maxAttempts)
	}
	return nil
}
