package firehoseapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/smithy-go"

	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/awsclient"
)

// deliveries is the delivery engine as the API sees it, recording what it
// is asked to run. The real engine (package uplink) is tested on its own.
type deliveries struct {
	mu     sync.Mutex
	specs  map[string]uplink.Spec
	status map[string]uplink.Status // overrides for DeliveryStatus
	fail   error                    // returned by CreateDelivery when set
}

func newDeliveries() *deliveries {
	return &deliveries{specs: map[string]uplink.Spec{}, status: map[string]uplink.Status{}}
}

func (d *deliveries) CreateDelivery(spec uplink.Spec) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fail != nil {
		return d.fail
	}
	if err := spec.Validate(); err != nil {
		return err
	}
	if _, ok := d.specs[spec.Name]; ok {
		return fmt.Errorf("delivery %q: %w", spec.Name, uplink.ErrExists)
	}
	d.specs[spec.Name] = spec
	return nil
}

func (d *deliveries) DeleteDelivery(name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.specs[name]; !ok {
		return fmt.Errorf("delivery %q: %w", name, uplink.ErrNotFound)
	}
	delete(d.specs, name)
	return nil
}

func (d *deliveries) DeliveryStatus(name string) (uplink.Status, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if st, ok := d.status[name]; ok {
		return st, true
	}
	spec, ok := d.specs[name]
	if !ok {
		return uplink.Status{}, false
	}
	return uplink.Status{Name: name, State: uplink.StateDelivering, Destination: spec.DestinationType, From: spec.From}, true
}

func (d *deliveries) spec(name string) (uplink.Spec, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.specs[name]
	return s, ok
}

var _ Deliveries = (*deliveries)(nil)

// env is an API over a fresh store, served by an httptest server, with an
// SDK client pointed at it.
type env struct {
	api    *API
	store  *shards.Store
	dels   *deliveries
	dir    string // the API's DataDir
	srv    *httptest.Server
	client *sdk.Client
}

func newEnv(t testing.TB, configure ...func(*API)) *env {
	t.Helper()
	return newEnvOn(t, shards.Options{}, configure...)
}

// newEnvOn is newEnv with a store opened with opts.
func newEnvOn(t testing.TB, opts shards.Options, configure ...func(*API)) *env {
	t.Helper()
	st, err := shards.Open(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{store: st, dels: newDeliveries(), dir: t.TempDir()}
	e.api = &API{Store: st, Deliveries: e.dels, DataDir: e.dir}
	for _, fn := range configure {
		fn(e.api)
	}
	if err := e.api.Initialize(); err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(e.api)
	t.Cleanup(func() {
		e.srv.Close()
		st.Close()
	})
	e.client = newClient(e.srv.URL, aws.AnonymousCredentials{})
	return e
}

// newClient is the stock SDK client, as a user would configure it for a
// local endpoint, with retries off so that errors surface as sent.
// newClient is the stock SDK client with retries off, its HTTP client
// going through awsclient.ProtectBody as the gateway's own clients do
// (without it the SDK now and then closes the connection under a response
// it has begun to read; see ProtectBody).
func newClient(url string, creds aws.CredentialsProvider) *sdk.Client {
	return sdk.New(sdk.Options{
		BaseEndpoint:     aws.String(url),
		Region:           "us-east-1",
		Credentials:      creds,
		RetryMaxAttempts: 1,
	}, func(o *sdk.Options) { o.HTTPClient = awsclient.ProtectBody(o.HTTPClient) })
}

func staticCreds(id string) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(id, "secret", "")
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// s3Dest is the smallest ExtendedS3DestinationConfiguration the SDK sends.
func s3Dest(bucket string) *types.ExtendedS3DestinationConfiguration {
	return &types.ExtendedS3DestinationConfiguration{
		BucketARN: aws.String("arn:aws:s3:::" + bucket),
		RoleARN:   aws.String("arn:aws:iam::000000000000:role/firehose"),
	}
}

func (e *env) create(t testing.TB, in *sdk.CreateDeliveryStreamInput) *sdk.CreateDeliveryStreamOutput {
	t.Helper()
	out, err := e.client.CreateDeliveryStream(ctxT(t), in)
	if err != nil {
		t.Fatalf("CreateDeliveryStream %s: %v", aws.ToString(in.DeliveryStreamName), err)
	}
	return out
}

func (e *env) describe(t testing.TB, name string) *types.DeliveryStreamDescription {
	t.Helper()
	out, err := e.client.DescribeDeliveryStream(ctxT(t), &sdk.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(name)})
	if err != nil {
		t.Fatalf("DescribeDeliveryStream %s: %v", name, err)
	}
	return out.DeliveryStreamDescription
}

// readStream reads every record of every shard of a stream.
func readStream(t testing.TB, st *shards.Store, name string) []shards.Record {
	t.Helper()
	s, err := st.Stream(name)
	if err != nil {
		t.Fatal(err)
	}
	var recs []shards.Record
	for _, sh := range s.Describe().Shards {
		c, err := s.Iterator(sh.ShardID, shards.TrimHorizon, "", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for {
			res, err := s.Read(c, shards.MaxRecordsPerRead)
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, res.Records...)
			if len(res.Records) == 0 || res.Closed {
				break
			}
			c = res.Next
		}
	}
	return recs
}

// wantAPIError checks that err is the AWS error typ.
func wantAPIError(t testing.TB, err error, typ string) smithy.APIError {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got error %v (%T), want %s", err, err, typ)
	}
	if ae.ErrorCode() != typ {
		t.Fatalf("got %s: %s, want %s", ae.ErrorCode(), ae.ErrorMessage(), typ)
	}
	return ae
}

// newServer serves api and returns its URL.
func newServer(t testing.TB, api *API) string {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return srv.URL
}

// newRequest is a request with an Authorization header and a raw query.
func newRequest(authorization, rawQuery string) (*http.Request, error) {
	r, err := http.NewRequest("POST", "http://gateway/?"+rawQuery, nil)
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	return r, err
}

// errorBody is the AWS error shape, as a client reads it.
type errorBody struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}
