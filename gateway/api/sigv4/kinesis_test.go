package sigv4_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/smithy-go"

	"github.com/tidegate/tidegate/gateway/api/sigv4"
)

// gateway is a stand-in for the API layer: it verifies every request and answers as
// Kinesis does. offset moves the gateway's clock, in Verify and in the Date header.
type gateway struct {
	verifier *sigv4.Verifier
	offset   time.Duration
	http2    atomic.Int32 // requests that arrived over HTTP/2
	refused  atomic.Int32
}

func newGateway(offset time.Duration) *gateway {
	g := &gateway{offset: offset}
	g.verifier = &sigv4.Verifier{
		Keys:    map[string]string{testKeyID: testSecret},
		Service: testService,
		Clock:   func() time.Time { return time.Now().Add(offset) },
	}
	return g
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor == 2 {
		g.http2.Add(1)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("Date", time.Now().Add(g.offset).UTC().Format(http.TimeFormat))
	body, err := io.ReadAll(r.Body)
	if err == nil {
		err = g.verifier.Verify(r, body)
	}
	var e *sigv4.Error
	if errors.As(err, &e) {
		g.refused.Add(1)
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"__type": e.Type, "message": e.Message})
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	io.WriteString(w, "{}")
}

// TestKinesisClient points the real Kinesis client at a gateway.
func TestKinesisClient(t *testing.T) {
	const (
		invalidSignature = sigv4.TypeInvalidSignature
		unrecognized     = sigv4.TypeUnrecognizedClient
	)
	cases := []struct {
		name     string
		keyID    string
		secret   string
		http2    bool
		offset   time.Duration // the gateway's clock against the client's
		attempts int
		codes    [2]string // the error codes of ListStreams, then PutRecord; "" for success
	}{
		{name: "right secret", keyID: testKeyID, secret: testSecret},
		{name: "right secret over HTTP/2", keyID: testKeyID, secret: testSecret, http2: true},
		{name: "wrong secret", keyID: testKeyID, secret: "wrong", codes: [2]string{invalidSignature, invalidSignature}},
		{
			name: "wrong secret over HTTP/2", keyID: testKeyID, secret: "wrong", http2: true,
			codes: [2]string{invalidSignature, invalidSignature},
		},
		{name: "unknown key id", keyID: "AKIDUNKNOWN", secret: testSecret, codes: [2]string{unrecognized, unrecognized}},
		// The SDK takes the skew from the Date header of the refusal: the next call is right.
		{
			name: "gateway clock 20 minutes ahead, no retries", keyID: testKeyID, secret: testSecret,
			offset: 20 * time.Minute, codes: [2]string{invalidSignature, ""},
		},
		// With retries, even the first call goes through.
		{name: "gateway clock 20 minutes ahead", keyID: testKeyID, secret: testSecret, offset: 20 * time.Minute, attempts: 3},
		{name: "gateway clock 20 minutes behind", keyID: testKeyID, secret: testSecret, offset: -20 * time.Minute, attempts: 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := newGateway(tc.offset)
			srv := httptest.NewUnstartedServer(g)
			if tc.http2 {
				srv.EnableHTTP2 = true
				srv.StartTLS()
			} else {
				srv.Start()
			}
			defer srv.Close()
			attempts := tc.attempts
			if attempts == 0 {
				attempts = 1
			}
			client := kinesis.New(kinesis.Options{
				BaseEndpoint:     aws.String(srv.URL),
				Region:           testRegion,
				Credentials:      credentials.NewStaticCredentialsProvider(tc.keyID, tc.secret, ""),
				HTTPClient:       srv.Client(),
				RetryMaxAttempts: attempts,
			})
			ctx := context.Background()
			_, listErr := client.ListStreams(ctx, &kinesis.ListStreamsInput{})
			_, putErr := client.PutRecord(ctx, &kinesis.PutRecordInput{
				StreamName:   aws.String("telemetry"),
				PartitionKey: aws.String("pump-7"),
				Data:         []byte(`{"t":21.5,"unit":"°C"}`),
			})
			for i, err := range []error{listErr, putErr} {
				op := [2]string{"ListStreams", "PutRecord"}[i]
				if tc.codes[i] == "" {
					if err != nil {
						t.Errorf("%s: %v", op, err)
					}
					continue
				}
				var apiErr smithy.APIError
				if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tc.codes[i] {
					t.Errorf("%s: %v, want error code %s", op, err, tc.codes[i])
				}
			}
			if tc.http2 && g.http2.Load() == 0 {
				t.Error("no request arrived over HTTP/2")
			}
			if tc.attempts > 1 && g.refused.Load() != 1 {
				t.Errorf("%d requests refused, want 1: the client should correct its clock once", g.refused.Load())
			}
		})
	}
}
