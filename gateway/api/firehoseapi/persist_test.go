package firehoseapi

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/tidegate/tidegate/shards"
)

// createMixed makes one delivery stream of each kind.
func createMixed(t *testing.T, e *env) []string {
	t.Helper()
	if _, err := e.store.CreateStream("src", shards.StreamConfig{Shards: 2}); err != nil {
		t.Fatal(err)
	}
	cfg := s3Dest("archive")
	cfg.Prefix, cfg.CompressionFormat = aws.String("p/"), types.CompressionFormatGzip
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("s3"), ExtendedS3DestinationConfiguration: cfg})
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("http"), HttpEndpointDestinationConfiguration: &types.HttpEndpointDestinationConfiguration{
		EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String("https://x.example/in"), AccessKey: aws.String("k")},
		RequestConfiguration:  &types.HttpEndpointRequestConfiguration{CommonAttributes: []types.HttpEndpointCommonAttribute{{AttributeName: aws.String("a"), AttributeValue: aws.String("1")}}},
		S3Configuration:       &types.S3DestinationConfiguration{BucketARN: aws.String("arn:aws:s3:::backup"), RoleARN: aws.String("r")},
	}})
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("local")})
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("kin"), DeliveryStreamType: types.DeliveryStreamTypeKinesisStreamAsSource,
		KinesisStreamSourceConfiguration:   &types.KinesisStreamSourceConfiguration{KinesisStreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/src"), RoleARN: aws.String("r")},
		ExtendedS3DestinationConfiguration: s3Dest("b")})
	return []string{"http", "kin", "local", "s3"}
}

// restarted is a second API over e's store and DataDir, as after a restart
// of the gateway, with a fresh delivery engine.
func restarted(t *testing.T, e *env) *env {
	t.Helper()
	e2 := &env{store: e.store, dels: newDeliveries(), dir: e.dir}
	e2.api = &API{Store: e.store, Deliveries: e2.dels, DataDir: e.dir}
	if err := e2.api.Initialize(); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e2.api)
	t.Cleanup(srv.Close)
	e2.srv = srv
	e2.client = newClient(srv.URL, aws.AnonymousCredentials{})
	return e2
}

// described renders a description for comparison, ignoring the SDK's
// unexported bookkeeping.
func described(t *testing.T, e *env, name string) string {
	t.Helper()
	b, err := json.Marshal(e.describe(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDefinitionsSurviveRestart(t *testing.T) {
	e := newEnv(t)
	names := createMixed(t, e)
	e2 := restarted(t, e)
	for _, n := range names {
		if a, b := described(t, e, n), described(t, e2, n); a != b {
			t.Errorf("%s described differently after a restart:\n%s\n%s", n, a, b)
		}
	}
	if !reflect.DeepEqual(e.dels.specs, e2.dels.specs) {
		t.Errorf("deliveries after a restart:\n%+v\nbefore:\n%+v", e2.dels.specs, e.dels.specs)
	}
	out, err := e2.client.ListDeliveryStreams(ctxT(t), &sdk.ListDeliveryStreamsInput{})
	if err != nil || strings.Join(out.DeliveryStreamNames, ",") != strings.Join(names, ",") {
		t.Errorf("list after restart: %v, %v", out, err)
	}
	// Initializing again finds the deliveries running and keeps them.
	if err := e2.api.Initialize(); err != nil {
		t.Fatal(err)
	}
	if len(e2.dels.specs) != 3 {
		t.Errorf("%d deliveries after a second Initialize", len(e2.dels.specs))
	}

	// A delete is durable too.
	if _, err := e2.client.DeleteDeliveryStream(ctxT(t), &sdk.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("s3")}); err != nil {
		t.Fatal(err)
	}
	e3 := restarted(t, e2)
	if _, err := e3.client.DescribeDeliveryStream(ctxT(t), &sdk.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("s3")}); err == nil {
		t.Error("deleted delivery stream back after a restart")
	}
	if _, ok := e3.dels.spec("s3"); ok || len(e3.dels.specs) != 2 {
		t.Errorf("deliveries after a restart: %v", e3.dels.specs)
	}

	// The file is private (it holds access keys) and nothing else is left.
	entries, err := os.ReadDir(e.dir)
	if err != nil || len(entries) != 1 || entries[0].Name() != DefinitionsFile {
		t.Fatalf("data dir holds %v (%v)", entries, err)
	}
	if fi, _ := entries[0].Info(); fi.Mode().Perm() != 0o600 {
		t.Errorf("definitions file mode %v", fi.Mode())
	}
}

func TestRestartRecreatesBackingStream(t *testing.T) {
	e := newEnv(t)
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("in")})
	if err := e.store.DeleteStream("in"); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.PutRecord(ctxT(t), &sdk.PutRecordInput{DeliveryStreamName: aws.String("in"), Record: &types.Record{Data: []byte("x")}})
	wantAPIError(t, err, errResourceNotFound)
	e2 := restarted(t, e)
	if _, err := e2.client.PutRecord(ctxT(t), &sdk.PutRecordInput{DeliveryStreamName: aws.String("in"), Record: &types.Record{Data: []byte("x")}}); err != nil {
		t.Errorf("after a restart: %v", err)
	}
}

// An API that serves before Initialize loads its definitions first: it
// must not answer from, or save, an empty set.
func TestLazyInitialize(t *testing.T) {
	e := newEnv(t)
	createMixed(t, e)
	lazy := &API{Store: e.store, Deliveries: newDeliveries(), DataDir: e.dir}
	c := newClient(newServer(t, lazy), aws.AnonymousCredentials{})
	out, err := c.ListDeliveryStreams(ctxT(t), &sdk.ListDeliveryStreamsInput{})
	if err != nil || len(out.DeliveryStreamNames) != 4 {
		t.Errorf("list: %v, %v", out, err)
	}
}

func TestBadDefinitionsFile(t *testing.T) {
	e := newEnv(t)
	createMixed(t, e)
	path := filepath.Join(e.dir, DefinitionsFile)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, good[:len(good)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	api := &API{Store: e.store, DataDir: e.dir}
	if err := api.Initialize(); err == nil || !strings.Contains(err.Error(), DefinitionsFile) {
		t.Errorf("Initialize of a truncated file: %v", err)
	}
	// Served anyway, it refuses every request rather than erase the file.
	c := newClient(newServer(t, api), aws.AnonymousCredentials{})
	_, err = c.CreateDeliveryStream(ctxT(t), &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("new")})
	wantAPIError(t, err, errInternalFailure)
	if b, _ := os.ReadFile(path); len(b) != len(good)/2 {
		t.Error("the damaged file was replaced")
	}
}

func TestSaveFailure(t *testing.T) {
	e := newEnv(t)
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	e.api.DataDir = filepath.Join(file, "sub") // cannot be made
	_, err := e.client.CreateDeliveryStream(ctxT(t), &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("x"), ExtendedS3DestinationConfiguration: s3Dest("b")})
	wantAPIError(t, err, errInternalFailure)
	if _, err := e.store.Stream("x"); !errors.Is(err, shards.ErrNotFound) {
		t.Errorf("backing stream left: %v", err)
	}
	if len(e.dels.specs) != 0 {
		t.Errorf("delivery left: %v", e.dels.specs)
	}
}

func TestParseDefinitions(t *testing.T) {
	for _, tc := range []struct{ name, doc, err string }{
		{"empty set", `{"version":1,"delivery_streams":[]}`, ""},
		{"version", `{"version":2,"delivery_streams":[]}`, "version 2"},
		{"unknown field", `{"version":1,"delivery_streams":[],"x":1}`, "unknown field"},
		{"trailing", `{"version":1,"delivery_streams":[]} {}`, "after"},
		{"null entry", `{"version":1,"delivery_streams":[null]}`, "null"},
		{"bad name", `{"version":1,"delivery_streams":[{"name":"a/b","type":"DirectPut","stream":"a","start":"trim_horizon"}]}`, "name"},
		{"bad type", `{"version":1,"delivery_streams":[{"name":"a","type":"MSKAsSource","stream":"a","start":"trim_horizon"}]}`, "type"},
		{"bad start", `{"version":1,"delivery_streams":[{"name":"a","type":"DirectPut","stream":"a","start":"latest"}]}`, "start"},
		{"source missing", `{"version":1,"delivery_streams":[{"name":"a","type":"KinesisStreamAsSource","stream":"a","start":"at_timestamp"}]}`, "source"},
		{"twice", `{"version":1,"delivery_streams":[{"name":"a","type":"DirectPut","stream":"a","start":"trim_horizon"},{"name":"a","type":"DirectPut","stream":"a","start":"trim_horizon"}]}`, "twice"},
		{"two destinations", `{"version":1,"delivery_streams":[{"name":"a","type":"DirectPut","stream":"a","start":"trim_horizon","s3":{"bucket_arn":"arn:aws:s3:::b"},"http":{"url":"http://x"}}]}`, "two destinations"},
		{"bad bucket", `{"version":1,"delivery_streams":[{"name":"a","type":"DirectPut","stream":"a","start":"trim_horizon","s3":{"bucket_arn":"b"}}]}`, "bucket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseDefinitions([]byte(tc.doc))
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("got %v, want %q", err, tc.err)
			}
		})
	}
}
