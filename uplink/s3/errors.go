package s3

import (
	"context"
	"errors"

	"github.com/aws/smithy-go"

	"github.com/tidegate/tidegate/uplink"
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
// plain and are retried. The store's error code becomes the error record's
// as Firehose writes it for an S3 destination: S3.<code> (S3.NoSuchBucket,
// S3.AccessDenied, S3.SlowDown).
func classify(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	err = awsclient.Classify(err, permanentCodes)
	var api smithy.APIError
	if !errors.As(err, &api) {
		return err
	}
	code := "S3." + api.ErrorCode()
	if _, perm := uplink.IsPermanent(err); perm {
		return uplink.Permanent(code, err)
	}
	return &codedError{code: code, err: err}
}

// codedError carries the error record's code of a refusal that is retried.
type codedError struct {
	code string
	err  error
}

func (e *codedError) Error() string     { return e.err.Error() }
func (e *codedError) Unwrap() error     { return e.err }
func (e *codedError) ErrorCode() string { return e.code }
