package awsclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/tidegate/tidegate/uplink"
)

// The SDK retries within a call only what the service surely did not
// take. A 5xx or a connection cut after the request went out may have
// stored the records: that failure goes to the engine, marked
// MaybeDelivered, so that what it sends again is counted as redelivered.
func TestSDKRetriesOnlyWhatSurelyFailed(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent/tidegate-test-aws-config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/tidegate-test-aws-credentials")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, tc := range []struct {
		name      string
		answer    func(w http.ResponseWriter)
		wantCalls int32
		wantMaybe bool
	}{
		{"500", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(500)
			w.Write([]byte(`{"__type":"InternalFailure","message":"boom"}`))
		}, 1, true},
		{"cut after the request", func(w http.ResponseWriter) {
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
		}, 1, true},
		{"throttled", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(400)
			w.Write([]byte(`{"__type":"ProvisionedThroughputExceededException","message":"slow down"}`))
		}, DefaultMaxAttempts, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				tc.answer(w)
			}))
			defer srv.Close()
			cfg, err := Load(context.Background(), "us-east-1", 0)
			if err != nil {
				t.Fatal(err)
			}
			client := kinesis.NewFromConfig(cfg, func(o *kinesis.Options) {
				o.BaseEndpoint = aws.String(srv.URL)
				o.Retryer = retry.AddWithMaxBackoffDelay(o.Retryer, time.Millisecond)
			})
			_, err = client.PutRecord(context.Background(), &kinesis.PutRecordInput{
				StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: []byte("x"),
			})
			if err == nil {
				t.Fatal("the call succeeded")
			}
			if n := calls.Load(); n != tc.wantCalls {
				t.Errorf("%d calls, want %d", n, tc.wantCalls)
			}
			if maybe := uplink.IsMaybeDelivered(Classify(err, nil)); maybe != tc.wantMaybe {
				t.Errorf("MaybeDelivered %v, want %v (%v)", maybe, tc.wantMaybe, err)
			}
		})
	}
}
