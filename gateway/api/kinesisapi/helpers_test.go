package kinesisapi

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/uplink/awsclient"
)

// testClock is the API's clock: real time plus an offset a test can move.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// env is an API over a fresh store, served by an httptest server, with an
// SDK client pointed at it.
type env struct {
	api    *API
	store  *shards.Store
	srv    *httptest.Server
	client *sdk.Client
	clock  *testClock
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
	clock := &testClock{}
	api := &API{Store: st, Clock: clock.Now, IteratorKey: []byte("0123456789abcdef0123456789abcdef")}
	for _, fn := range configure {
		fn(api)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(func() {
		srv.Close()
		st.Close()
	})
	return &env{api: api, store: st, srv: srv, client: newClient(srv.URL, nil), clock: clock}
}

// newClient is the stock SDK client, as a user would configure it for a
// local endpoint, with retries off so that errors surface as sent. Its
// HTTP client goes through awsclient.ProtectBody, as the gateway's own
// clients do: without it the SDK now and then closes the connection under
// a response it has begun to read (a client bug, whatever the server; see
// ProtectBody), and a test fails on "use of closed network connection".
func newClient(url string, httpClient sdk.HTTPClient) *sdk.Client {
	return sdk.New(sdk.Options{
		BaseEndpoint:     aws.String(url),
		Region:           "us-east-1",
		Credentials:      aws.AnonymousCredentials{},
		RetryMaxAttempts: 1,
		HTTPClient:       httpClient,
	}, func(o *sdk.Options) { o.HTTPClient = awsclient.ProtectBody(o.HTTPClient) })
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func (e *env) create(t testing.TB, name string, n int32) {
	t.Helper()
	if _, err := e.client.CreateStream(ctxT(t), &sdk.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(n)}); err != nil {
		t.Fatalf("CreateStream %s: %v", name, err)
	}
}

func (e *env) put(t testing.TB, stream, key, data string) *sdk.PutRecordOutput {
	t.Helper()
	out, err := e.client.PutRecord(ctxT(t), &sdk.PutRecordInput{StreamName: aws.String(stream), PartitionKey: aws.String(key), Data: []byte(data)})
	if err != nil {
		t.Fatalf("PutRecord: %v", err)
	}
	return out
}

func (e *env) iterator(t testing.TB, stream, shard string, typ types.ShardIteratorType) string {
	t.Helper()
	out, err := e.client.GetShardIterator(ctxT(t), &sdk.GetShardIteratorInput{StreamName: aws.String(stream),
		ShardId: aws.String(shard), ShardIteratorType: typ})
	if err != nil {
		t.Fatalf("GetShardIterator %s %s: %v", shard, typ, err)
	}
	return aws.ToString(out.ShardIterator)
}

// readAll reads a shard from an iterator until it is caught up (no records
// and MillisBehindLatest 0) or closed.
func (e *env) readAll(t testing.TB, it string) (recs []types.Record, last *sdk.GetRecordsOutput) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		out, err := e.client.GetRecords(ctxT(t), &sdk.GetRecordsInput{ShardIterator: aws.String(it)})
		if err != nil {
			t.Fatalf("GetRecords: %v", err)
		}
		recs = append(recs, out.Records...)
		if out.NextShardIterator == nil || (len(out.Records) == 0 && aws.ToInt64(out.MillisBehindLatest) == 0) {
			return recs, out
		}
		it = *out.NextShardIterator
	}
	t.Fatal("readAll: no end after 1000 calls")
	return nil, nil
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

func keyN(i int) string { return fmt.Sprintf("key-%d", i) }

// shardsConfigRejectNew is a 1 MiB stream that refuses puts when full.
func shardsConfigRejectNew() shards.StreamConfig {
	return shards.StreamConfig{Shards: 1, MaxBytes: shards.MinMaxBytes, OnFull: shards.RejectNew}
}
