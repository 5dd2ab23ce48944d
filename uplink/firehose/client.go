package firehose

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/tidegate/tidegate/uplink"
)

// defaultMaxAttempts bounds the SDK's own retries of one call: a couple of
// quick tries smooth over a blip, and the delivery engine's backoff does
// the rest.
const defaultMaxAttempts = 3

// responseTimeout bounds the wait for a response once a request is
// written, so a half-open connection on a flaky uplink surfaces as a
// timeout (Unreachable) instead of hanging Send.
const responseTimeout = time.Minute

// newClient builds a Firehose client on the standard credential chain. It
// does not touch the network: credentials are resolved on the first call.
func newClient(ctx context.Context, cfg Config) (*firehose.Client, error) {
	attempts := cfg.MaxAttempts
	if attempts == 0 {
		attempts = defaultMaxAttempts
	}
	// The SDK's own buildable client, so that AWS_CA_BUNDLE and the
	// profile's ca_bundle still apply.
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.ResponseHeaderTimeout = responseTimeout
	})
	opts := []func(*config.LoadOptions) error{
		config.WithHTTPClient(httpClient),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = attempts
				// No client-side retry quota: the engine already
				// backs off, and an empty quota would only turn a
				// throttling error into a vaguer one.
				o.RateLimiter = ratelimit.None
			})
		}),
	}
	if r := cfg.region(); r != "" {
		opts = append(opts, config.WithRegion(r))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("firehose: load AWS configuration: %w", err)
	}
	if awsCfg.Region == "" {
		return nil, fmt.Errorf("%w: firehose: region is not set here, in the delivery_stream ARN, nor in the AWS environment (AWS_REGION, profile)", uplink.ErrConfig)
	}
	client := firehose.NewFromConfig(awsCfg, func(o *firehose.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
	})
	return client, nil
}
