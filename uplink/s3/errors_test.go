package s3

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/tidegate/tidegate/uplink"
)

func TestClassify(t *testing.T) {
	api := func(code string) error {
		return fmt.Errorf("s3: put object %q: %w", "k", &smithy.OperationError{ServiceID: "S3", OperationName: "PutObject",
			Err: &smithy.GenericAPIError{Code: code, Message: "m"}})
	}
	refused := fmt.Errorf("s3: put object: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})
	tests := []struct {
		name        string
		err         error
		permanent   string // the code, when permanent
		unreachable bool
	}{
		{"NoSuchBucket", api("NoSuchBucket"), "S3.NoSuchBucket", false},
		{"AccessDenied", api("AccessDenied"), "S3.AccessDenied", false},
		{"InvalidAccessKeyId", api("InvalidAccessKeyId"), "S3.InvalidAccessKeyId", false},
		{"SignatureDoesNotMatch", api("SignatureDoesNotMatch"), "S3.SignatureDoesNotMatch", false},
		{"SlowDown", api("SlowDown"), "", false},
		{"InternalError", api("InternalError"), "", false},
		{"ServiceUnavailable", api("ServiceUnavailable"), "", false},
		{"RequestTimeTooSkewed", api("RequestTimeTooSkewed"), "", false},
		{"ExpiredToken", api("ExpiredToken"), "", false},
		{"connection refused", refused, "", true},
		{"deadline", fmt.Errorf("s3: %w", context.DeadlineExceeded), "", true},
		{"canceled", fmt.Errorf("s3: %w", context.Canceled), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.err)
			if !errors.Is(got, tt.err) && got != tt.err {
				t.Errorf("classify lost the error: %v", got)
			}
			code, perm := uplink.IsPermanent(got)
			if perm != (tt.permanent != "") || code != tt.permanent {
				t.Errorf("IsPermanent = %q, %v; want %q", code, perm, tt.permanent)
			}
			if uplink.IsUnreachable(got) != tt.unreachable {
				t.Errorf("IsUnreachable = %v, want %v", !tt.unreachable, tt.unreachable)
			}
			var coded interface{ ErrorCode() string }
			if _, isAPI := errors.AsType[smithy.APIError](tt.err); isAPI && !perm && (!errors.As(got, &coded) || coded.ErrorCode() != "S3."+tt.name) {
				t.Errorf("error record code of %v: want S3.%s, Firehose's", got, tt.name)
			}
		})
	}
}
