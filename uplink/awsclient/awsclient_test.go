package awsclient

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/tidegate/tidegate/uplink"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name             string
		region, endpoint string
		attempts         int
		wantPrefix       string // "" means valid
	}{
		{"defaults", "", "", 0, ""},
		{"all set", "us-gov-east-1", "https://hub.example:8443/x", 5, ""},
		{"bad region", "EU West", "", 0, "region"},
		{"endpoint without scheme", "", "localhost:4567", 0, "endpoint"},
		{"endpoint of another scheme", "", "ftp://host", 0, "endpoint"},
		{"endpoint without host", "", "http://", 0, "endpoint"},
		{"unparsable endpoint", "", "http://%zz", 0, "endpoint"},
		{"negative attempts", "", "", -1, "max attempts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.region, tc.endpoint, tc.attempts)
			if tc.wantPrefix == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.wantPrefix) {
				t.Fatalf("want an error starting with %q, got %v", tc.wantPrefix, err)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	permanent := map[string]bool{"ResourceNotFoundException": true}
	api := func(code string) error {
		return fmt.Errorf("put: %w", &smithy.GenericAPIError{Code: code, Message: "m"})
	}
	refused := fmt.Errorf("put: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})
	for _, tc := range []struct {
		name     string
		err      error
		wantPerm bool
		wantUnr  bool
		wantCode string
	}{
		{"permanent code", api("ResourceNotFoundException"), true, false, "ResourceNotFoundException"},
		{"other code", api("ThrottlingException"), false, false, "ThrottlingException"},
		{"transport", refused, false, true, "Unreachable"},
		{"other", errors.New("odd"), false, false, "RequestFailed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Classify(tc.err, permanent)
			if !errors.Is(got, tc.err) {
				t.Errorf("Classify lost the error: %v", got)
			}
			if _, perm := uplink.IsPermanent(got); perm != tc.wantPerm {
				t.Errorf("permanent %v, want %v", perm, tc.wantPerm)
			}
			if uplink.IsUnreachable(got) != tc.wantUnr {
				t.Errorf("unreachable %v, want %v", !tc.wantUnr, tc.wantUnr)
			}
			if code := ErrorCode(got); code != tc.wantCode {
				t.Errorf("ErrorCode %q, want %q", code, tc.wantCode)
			}
		})
	}
}
