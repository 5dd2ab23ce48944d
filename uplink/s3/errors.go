package s3

import (
	"context"
	"errors"

	"github.com/tidegate/tidegate/uplink/awsclient"
)

// permanentCodes are the store's refusals that retrying cannot change:
// the bucket is not there, or these credentials may not write to it.
var permanentCodes = map[string]bool{
	"NoSuchBucket":          true,
	"AccessDenied":          true,
	"InvalidAccessKeyId":    true,
	"SignatureDoesNotMatch": true,
	"InvalidBucketName":     true,
	"AllAccessDisabled":     true,
}

// classify marks an error of the S3 client for the delivery: a permanent
// refusal by its code, a transport failure as unreachable; throttling
// (SlowDown), server errors (5xx), a skewed clock (RequestTimeTooSkewed;
// the client corrects its offset from the answer) and anything else stay
// plain and are retried.
func classify(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	return awsclient.Classify(err, permanentCodes)
}
