package awsclient

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
)

// DefaultMaxAttempts bounds the SDK's own retries of one call: a couple of
// quick tries smooth over a blip (throttling, a refused connection), and
// the delivery engine's backoff does the rest. A failure after which the
// service may hold the records (a 5xx, a cut connection) is not retried
// by the SDK: the engine retries it and counts the records redelivered.
const DefaultMaxAttempts = 3

// responseTimeout bounds the wait for a response once a request is
// written, so a half-open connection on a flaky uplink surfaces as a
// timeout (Unreachable) instead of hanging Send.
const responseTimeout = time.Minute

// Load returns the configuration of the standard credential chain for
// region ("" lets the chain decide), with the SDK trying a call at most
// maxAttempts times (0 means DefaultMaxAttempts). It does not touch the
// network: credentials are resolved on the first call.
//
// The returned Region is "" when neither region nor the chain names one;
// the caller says so, as only it knows where a region could have come from.
func Load(ctx context.Context, region string, maxAttempts int) (aws.Config, error) {
	if maxAttempts == 0 {
		maxAttempts = DefaultMaxAttempts
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
				o.MaxAttempts = maxAttempts
				// Only what the service surely did not take is retried
				// within a call; the rest goes to the engine.
				o.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(maybeDelivered)}, o.Retryables...)
				// No client-side retry quota: the engine already
				// backs off, and an empty quota would only turn a
				// throttling error into a vaguer one.
				o.RateLimiter = ratelimit.None
			})
		}),
	}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	return cfg, nil
}
