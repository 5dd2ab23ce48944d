package firehoseapi

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/uplink"
)

func TestCreateS3(t *testing.T) {
	e := newEnv(t, func(a *API) { a.S3Region, a.S3Endpoint, a.Shards = "eu-west-1", "http://minio:9000", 2 })
	before := time.Now().Add(-time.Second)
	cfg := s3Dest("archive")
	cfg.Prefix = aws.String("sensors/!{timestamp:yyyy/MM/dd}/")
	cfg.ErrorOutputPrefix = aws.String("errors/!{firehose:error-output-type}/")
	cfg.BufferingHints = &types.BufferingHints{SizeInMBs: aws.Int32(8), IntervalInSeconds: aws.Int32(60)}
	cfg.CompressionFormat = types.CompressionFormatGzip
	out := e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("to-s3"), ExtendedS3DestinationConfiguration: cfg})
	arn := "arn:aws:firehose:us-east-1:000000000000:deliverystream/to-s3"
	if aws.ToString(out.DeliveryStreamARN) != arn {
		t.Errorf("ARN %q, want %q", aws.ToString(out.DeliveryStreamARN), arn)
	}

	d := e.describe(t, "to-s3")
	if aws.ToString(d.DeliveryStreamName) != "to-s3" || aws.ToString(d.DeliveryStreamARN) != arn ||
		d.DeliveryStreamStatus != types.DeliveryStreamStatusActive || d.DeliveryStreamType != types.DeliveryStreamTypeDirectPut ||
		aws.ToString(d.VersionId) != "1" || aws.ToBool(d.HasMoreDestinations) || d.Source != nil || d.FailureDescription != nil {
		t.Errorf("description %+v", d)
	}
	if ct := aws.ToTime(d.CreateTimestamp); ct.Before(before) || ct.After(time.Now().Add(time.Second)) {
		t.Errorf("CreateTimestamp %v", ct)
	}
	if len(d.Destinations) != 1 || aws.ToString(d.Destinations[0].DestinationId) != "destinationId-000000000001" {
		t.Fatalf("destinations %+v", d.Destinations)
	}
	x := d.Destinations[0].ExtendedS3DestinationDescription
	if x == nil || aws.ToString(x.BucketARN) != "arn:aws:s3:::archive" || aws.ToString(x.Prefix) != *cfg.Prefix ||
		aws.ToString(x.ErrorOutputPrefix) != *cfg.ErrorOutputPrefix || x.CompressionFormat != types.CompressionFormatGzip ||
		aws.ToInt32(x.BufferingHints.SizeInMBs) != 8 || aws.ToInt32(x.BufferingHints.IntervalInSeconds) != 60 ||
		aws.ToString(x.RoleARN) != *cfg.RoleARN || x.S3BackupMode != types.S3BackupModeDisabled ||
		x.EncryptionConfiguration.NoEncryptionConfig != types.NoEncryptionConfigNoEncryption {
		t.Errorf("extended S3 description %+v", x)
	}
	if p := d.Destinations[0].S3DestinationDescription; p == nil || aws.ToString(p.BucketARN) != "arn:aws:s3:::archive" {
		t.Errorf("S3 description %+v", p)
	}

	spec, ok := e.dels.spec("to-s3")
	if !ok {
		t.Fatal("no delivery created")
	}
	want := uplink.Spec{
		Name: "to-s3", From: []string{"to-s3"}, Start: uplink.StartTrimHorizon, Format: uplink.FormatRaw,
		BufferSize: 8 << 20, BufferInterval: 60 * time.Second, Compression: "gzip", DestinationType: "s3",
		Destination: S3Destination{Bucket: "archive", Prefix: *cfg.Prefix, ErrorPrefix: *cfg.ErrorOutputPrefix,
			Compression: "gzip", Region: "eu-west-1", Endpoint: "http://minio:9000"},
	}
	if !reflect.DeepEqual(spec, want) {
		t.Errorf("spec\n%+v\nwant\n%+v", spec, want)
	}
	s, err := e.store.Stream("to-s3")
	if err != nil {
		t.Fatalf("backing stream: %v", err)
	}
	if n := s.Describe().OpenShards; n != 2 {
		t.Errorf("backing stream has %d shards, want API.Shards = 2", n)
	}
}

func TestCreateS3Defaults(t *testing.T) {
	e := newEnv(t)
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("plain"), S3DestinationConfiguration: &types.S3DestinationConfiguration{
		BucketARN: aws.String("arn:aws:s3:::b.1-x"), RoleARN: aws.String("arn:aws:iam::000000000000:role/r"),
		CompressionFormat: types.CompressionFormatSnappy,
	}})
	spec, _ := e.dels.spec("plain")
	if spec.BufferSize != 5<<20 || spec.BufferInterval != 300*time.Second || spec.Compression != "snappy" || spec.RetryDuration != 0 ||
		spec.Destination != (S3Destination{Bucket: "b.1-x", Compression: "snappy"}) {
		t.Errorf("spec %+v", spec)
	}
	x := e.describe(t, "plain").Destinations[0].ExtendedS3DestinationDescription
	if aws.ToInt32(x.BufferingHints.SizeInMBs) != 5 || aws.ToInt32(x.BufferingHints.IntervalInSeconds) != 300 || x.CompressionFormat != types.CompressionFormatSnappy {
		t.Errorf("described %+v %+v", x.BufferingHints, x.CompressionFormat)
	}
}

func TestCreateHTTPEndpoint(t *testing.T) {
	e := newEnv(t)
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("to-http"), HttpEndpointDestinationConfiguration: &types.HttpEndpointDestinationConfiguration{
		EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String("https://collector.example/firehose"), Name: aws.String("collector"), AccessKey: aws.String("s3cret")},
		RequestConfiguration: &types.HttpEndpointRequestConfiguration{ContentEncoding: types.ContentEncodingGzip, CommonAttributes: []types.HttpEndpointCommonAttribute{
			{AttributeName: aws.String("site"), AttributeValue: aws.String("north")}, {AttributeName: aws.String("env"), AttributeValue: aws.String("")}}},
		RetryOptions:    &types.HttpEndpointRetryOptions{DurationInSeconds: aws.Int32(60)},
		S3Configuration: &types.S3DestinationConfiguration{BucketARN: aws.String("arn:aws:s3:::backup"), RoleARN: aws.String("arn:aws:iam::000000000000:role/r")},
		RoleARN:         aws.String("arn:aws:iam::000000000000:role/r"),
	}})
	spec, ok := e.dels.spec("to-http")
	if !ok {
		t.Fatal("no delivery created")
	}
	want := uplink.Spec{
		Name: "to-http", From: []string{"to-http"}, Start: uplink.StartTrimHorizon, Format: uplink.FormatRaw,
		BufferSize: 5 << 20, BufferInterval: 300 * time.Second, Compression: "gzip", DestinationType: "http", RetryDuration: time.Minute,
		Destination: HTTPDestination{URL: "https://collector.example/firehose", AccessKey: "s3cret", Compression: "gzip",
			CommonAttributes: map[string]string{"site": "north", "env": ""},
			SourceARN:        "arn:aws:firehose:us-east-1:000000000000:deliverystream/to-http"},
	}
	if !reflect.DeepEqual(spec, want) {
		t.Errorf("spec\n%+v\nwant\n%+v", spec, want)
	}
	h := e.describe(t, "to-http").Destinations[0].HttpEndpointDestinationDescription
	if h == nil || aws.ToString(h.EndpointConfiguration.Url) != "https://collector.example/firehose" || aws.ToString(h.EndpointConfiguration.Name) != "collector" ||
		h.RequestConfiguration.ContentEncoding != types.ContentEncodingGzip || len(h.RequestConfiguration.CommonAttributes) != 2 ||
		aws.ToString(h.RequestConfiguration.CommonAttributes[0].AttributeName) != "site" || aws.ToInt32(h.RetryOptions.DurationInSeconds) != 60 ||
		aws.ToInt32(h.BufferingHints.SizeInMBs) != 5 || aws.ToInt32(h.BufferingHints.IntervalInSeconds) != 300 ||
		h.S3BackupMode != types.HttpEndpointS3BackupModeFailedDataOnly || h.S3DestinationDescription == nil ||
		aws.ToString(h.S3DestinationDescription.BucketARN) != "arn:aws:s3:::backup" {
		t.Errorf("HTTP endpoint description %+v", h)
	}

	// Firehose's "no retry" (0) cannot be zero in a Spec, which reads zero
	// as its default: it becomes one second.
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("no-retry"), HttpEndpointDestinationConfiguration: &types.HttpEndpointDestinationConfiguration{
		EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String("http://10.0.0.5:8080/in")},
		RetryOptions:          &types.HttpEndpointRetryOptions{DurationInSeconds: aws.Int32(0)},
		BufferingHints:        &types.HttpEndpointBufferingHints{SizeInMBs: aws.Int32(64), IntervalInSeconds: aws.Int32(0)},
		S3Configuration:       &types.S3DestinationConfiguration{BucketARN: aws.String("arn:aws:s3:::backup"), RoleARN: aws.String("r")},
	}})
	spec, _ = e.dels.spec("no-retry")
	if spec.RetryDuration != time.Second || spec.BufferSize != 64<<20 || spec.BufferInterval != 0 || spec.Compression != "none" {
		t.Errorf("spec %+v", spec)
	}
}

func TestDestinationMapper(t *testing.T) {
	type sinkConfig struct{ Bucket string }
	e := newEnv(t, func(a *API) {
		a.Destinations = func(d Destination) (any, error) {
			s3, ok := d.(S3Destination)
			if !ok {
				return nil, errors.New("http endpoints are disabled on this hub")
			}
			return sinkConfig{Bucket: s3.Bucket}, nil
		}
	})
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("mapped"), ExtendedS3DestinationConfiguration: s3Dest("b")})
	if spec, _ := e.dels.spec("mapped"); spec.Destination != (sinkConfig{Bucket: "b"}) || spec.DestinationType != "s3" {
		t.Errorf("spec %+v", spec)
	}
	_, err := e.client.CreateDeliveryStream(ctxT(t), &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("refused"),
		HttpEndpointDestinationConfiguration: &types.HttpEndpointDestinationConfiguration{
			EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String("https://x.example")},
			S3Configuration:       &types.S3DestinationConfiguration{BucketARN: aws.String("arn:aws:s3:::b"), RoleARN: aws.String("r")}}})
	if ae := wantAPIError(t, err, errInvalidArgument); !strings.Contains(ae.ErrorMessage(), "disabled on this hub") {
		t.Errorf("message %q", ae.ErrorMessage())
	}
	if _, err := e.store.Stream("refused"); !errors.Is(err, shards.ErrNotFound) {
		t.Errorf("the refused delivery stream left its backing stream: %v", err)
	}
}

func TestCreateWithoutDestination(t *testing.T) {
	e := newEnv(t)
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("local")})
	d := e.describe(t, "local")
	if len(d.Destinations) != 0 || d.FailureDescription != nil {
		t.Errorf("description %+v", d)
	}
	if _, ok := e.dels.spec("local"); ok {
		t.Error("a delivery stream without destination started a delivery")
	}
	// Without a delivery engine, only such delivery streams can be made.
	st, err := shards.Open(t.TempDir(), shards.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bare := &API{Store: st}
	e2 := &env{api: bare, store: st}
	srv := newServer(t, bare)
	e2.client = newClient(srv, aws.AnonymousCredentials{})
	e2.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("local")})
	_, err = e2.client.CreateDeliveryStream(ctxT(t), &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("s3"), ExtendedS3DestinationConfiguration: s3Dest("b")})
	wantAPIError(t, err, errInvalidArgument)
}

func TestKinesisStreamAsSource(t *testing.T) {
	e := newEnv(t)
	if _, err := e.store.CreateStream("sensors", shards.StreamConfig{Shards: 3}); err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:kinesis:eu-central-1:123456789012:stream/sensors"
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("from-kinesis"), DeliveryStreamType: types.DeliveryStreamTypeKinesisStreamAsSource,
		KinesisStreamSourceConfiguration:   &types.KinesisStreamSourceConfiguration{KinesisStreamARN: aws.String(arn), RoleARN: aws.String("arn:aws:iam::123456789012:role/r")},
		ExtendedS3DestinationConfiguration: s3Dest("b")})
	d := e.describe(t, "from-kinesis")
	if d.DeliveryStreamType != types.DeliveryStreamTypeKinesisStreamAsSource || d.Source == nil || d.Source.KinesisStreamSourceDescription == nil ||
		aws.ToString(d.Source.KinesisStreamSourceDescription.KinesisStreamARN) != arn ||
		!aws.ToTime(d.Source.KinesisStreamSourceDescription.DeliveryStartTimestamp).Equal(aws.ToTime(d.CreateTimestamp)) {
		t.Errorf("description %+v source %+v", d, d.Source)
	}
	spec, _ := e.dels.spec("from-kinesis")
	if !slices.Equal(spec.From, []string{"sensors"}) || spec.Start != uplink.StartAtTimestamp || !spec.StartTime.Truncate(time.Millisecond).Equal(aws.ToTime(d.CreateTimestamp)) {
		t.Errorf("spec %+v", spec)
	}
	if _, err := e.store.Stream("from-kinesis"); !errors.Is(err, shards.ErrNotFound) {
		t.Errorf("a KinesisStreamAsSource delivery stream made a backing stream: %v", err)
	}
	_, err := e.client.PutRecord(ctxT(t), &sdk.PutRecordInput{DeliveryStreamName: aws.String("from-kinesis"), Record: &types.Record{Data: []byte("x")}})
	wantAPIError(t, err, errInvalidArgument)

	_, err = e.client.CreateDeliveryStream(ctxT(t), &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("missing"), DeliveryStreamType: types.DeliveryStreamTypeKinesisStreamAsSource,
		KinesisStreamSourceConfiguration: &types.KinesisStreamSourceConfiguration{KinesisStreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/nope"), RoleARN: aws.String("r")}})
	if ae := wantAPIError(t, err, errInvalidArgument); !strings.Contains(ae.ErrorMessage(), "nope") {
		t.Errorf("message %q", ae.ErrorMessage())
	}
}

func TestCreateOnExistingStream(t *testing.T) {
	e := newEnv(t)
	if _, err := e.store.CreateStream("busy", shards.StreamConfig{Shards: 3}); err != nil {
		t.Fatal(err)
	}
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("busy"), ExtendedS3DestinationConfiguration: s3Dest("b")})
	spec, _ := e.dels.spec("busy")
	created := aws.ToTime(e.describe(t, "busy").CreateTimestamp)
	// The stream's older records are not the delivery stream's.
	if spec.Start != uplink.StartAtTimestamp || !spec.StartTime.Truncate(time.Millisecond).Equal(created) {
		t.Errorf("spec starts %s at %v, want at_timestamp %v", spec.Start, spec.StartTime, created)
	}
	s, _ := e.store.Stream("busy")
	if n := s.Describe().OpenShards; n != 3 {
		t.Errorf("existing stream now has %d shards", n)
	}
}

func TestListDeliveryStreams(t *testing.T) {
	e := newEnv(t)
	if _, err := e.store.CreateStream("src", shards.StreamConfig{}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"c", "a", "b", "d"} {
		e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String(n)})
	}
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("k"), DeliveryStreamType: types.DeliveryStreamTypeKinesisStreamAsSource,
		KinesisStreamSourceConfiguration: &types.KinesisStreamSourceConfiguration{KinesisStreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/src"), RoleARN: aws.String("r")}})
	for _, tc := range []struct {
		name  string
		in    sdk.ListDeliveryStreamsInput
		names []string
		more  bool
	}{
		{"all", sdk.ListDeliveryStreamsInput{}, []string{"a", "b", "c", "d", "k"}, false},
		{"limit", sdk.ListDeliveryStreamsInput{Limit: aws.Int32(2)}, []string{"a", "b"}, true},
		{"after", sdk.ListDeliveryStreamsInput{Limit: aws.Int32(2), ExclusiveStartDeliveryStreamName: aws.String("b")}, []string{"c", "d"}, true},
		{"after, to the end", sdk.ListDeliveryStreamsInput{ExclusiveStartDeliveryStreamName: aws.String("bb")}, []string{"c", "d", "k"}, false},
		{"exact limit", sdk.ListDeliveryStreamsInput{Limit: aws.Int32(5)}, []string{"a", "b", "c", "d", "k"}, false},
		{"direct put", sdk.ListDeliveryStreamsInput{DeliveryStreamType: types.DeliveryStreamTypeDirectPut}, []string{"a", "b", "c", "d"}, false},
		{"kinesis source", sdk.ListDeliveryStreamsInput{DeliveryStreamType: types.DeliveryStreamTypeKinesisStreamAsSource}, []string{"k"}, false},
		{"msk source", sdk.ListDeliveryStreamsInput{DeliveryStreamType: types.DeliveryStreamTypeMSKAsSource}, []string{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.client.ListDeliveryStreams(ctxT(t), &tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(out.DeliveryStreamNames, tc.names) || aws.ToBool(out.HasMoreDeliveryStreams) != tc.more {
				t.Errorf("got %v more=%v, want %v more=%v", out.DeliveryStreamNames, aws.ToBool(out.HasMoreDeliveryStreams), tc.names, tc.more)
			}
		})
	}
	// Firehose lists 10 by default.
	for i := range 8 {
		e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("z" + string(rune('0'+i)))})
	}
	out, err := e.client.ListDeliveryStreams(ctxT(t), &sdk.ListDeliveryStreamsInput{})
	if err != nil || len(out.DeliveryStreamNames) != 10 || !aws.ToBool(out.HasMoreDeliveryStreams) {
		t.Errorf("default limit: %v, %v", out, err)
	}
	_, err = e.client.ListDeliveryStreams(ctxT(t), &sdk.ListDeliveryStreamsInput{Limit: aws.Int32(0)})
	wantAPIError(t, err, errValidation)
	_, err = e.client.ListDeliveryStreams(ctxT(t), &sdk.ListDeliveryStreamsInput{DeliveryStreamType: "Nope"})
	wantAPIError(t, err, errValidation)
}

func TestDeleteDeliveryStream(t *testing.T) {
	e := newEnv(t)
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("gone"), ExtendedS3DestinationConfiguration: s3Dest("b")})
	if _, err := e.client.PutRecord(ctxT(t), &sdk.PutRecordInput{DeliveryStreamName: aws.String("gone"), Record: &types.Record{Data: []byte("kept")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.DeleteDeliveryStream(ctxT(t), &sdk.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("gone"), AllowForceDelete: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.dels.spec("gone"); ok {
		t.Error("the delivery still runs")
	}
	_, err := e.client.DescribeDeliveryStream(ctxT(t), &sdk.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("gone")})
	if ae := wantAPIError(t, err, errResourceNotFound); ae.ErrorMessage() != "Firehose stream gone under account 000000000000 not found." {
		t.Errorf("message %q", ae.ErrorMessage())
	}
	_, err = e.client.DeleteDeliveryStream(ctxT(t), &sdk.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("gone")})
	wantAPIError(t, err, errResourceNotFound)
	_, err = e.client.PutRecord(ctxT(t), &sdk.PutRecordInput{DeliveryStreamName: aws.String("gone"), Record: &types.Record{Data: []byte("x")}})
	wantAPIError(t, err, errResourceNotFound)
	// The backing stream keeps its records.
	if recs := readStream(t, e.store, "gone"); len(recs) != 1 || string(recs[0].Data) != "kept" {
		t.Errorf("backing stream after delete: %v", recs)
	}
	// The name can be used again; the new delivery starts after the old records.
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("gone"), ExtendedS3DestinationConfiguration: s3Dest("b")})
	if spec, _ := e.dels.spec("gone"); spec.Start != uplink.StartAtTimestamp {
		t.Errorf("recreated delivery starts %s", spec.Start)
	}
}

func TestDescribeFailure(t *testing.T) {
	e := newEnv(t)
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("sad"), ExtendedS3DestinationConfiguration: s3Dest("b")})
	e.dels.mu.Lock()
	e.dels.status["sad"] = uplink.Status{Name: "sad", State: uplink.StateFailing, LastError: "NoSuchBucket: b"}
	e.dels.mu.Unlock()
	d := e.describe(t, "sad")
	if d.DeliveryStreamStatus != types.DeliveryStreamStatusActive || d.FailureDescription == nil ||
		d.FailureDescription.Type != types.DeliveryStreamFailureTypeUnknownError || !strings.Contains(aws.ToString(d.FailureDescription.Details), "NoSuchBucket") {
		t.Errorf("description %+v failure %+v", d, d.FailureDescription)
	}
	_, err := e.client.DescribeDeliveryStream(ctxT(t), &sdk.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("sad"), ExclusiveStartDestinationId: aws.String(destinationID)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.client.DescribeDeliveryStream(ctxT(t), &sdk.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("sad"), ExclusiveStartDestinationId: aws.String(destinationID), Limit: aws.Int32(1)})
	if err != nil || len(out.DeliveryStreamDescription.Destinations) != 0 || aws.ToBool(out.DeliveryStreamDescription.HasMoreDestinations) {
		t.Errorf("after the only destination: %+v, %v", out, err)
	}
}

func TestCreateConflicts(t *testing.T) {
	e := newEnv(t)
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("one")})
	_, err := e.client.CreateDeliveryStream(ctxT(t), &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("one")})
	if ae := wantAPIError(t, err, errResourceInUse); ae.ErrorMessage() != "Firehose stream one under account 000000000000 already exists." {
		t.Errorf("message %q", ae.ErrorMessage())
	}
	// A delivery of the gateway's configuration owns its name.
	e.dels.mu.Lock()
	e.dels.status["configured"] = uplink.Status{Name: "configured", State: uplink.StateDelivering}
	e.dels.mu.Unlock()
	_, err = e.client.CreateDeliveryStream(ctxT(t), &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("configured")})
	wantAPIError(t, err, errResourceInUse)
	// The engine refusing the delivery leaves nothing behind.
	e.dels.mu.Lock()
	e.dels.fail = errors.New("boom")
	e.dels.mu.Unlock()
	_, err = e.client.CreateDeliveryStream(ctxT(t), &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("boom"), ExtendedS3DestinationConfiguration: s3Dest("b")})
	wantAPIError(t, err, errInternalFailure)
	e.dels.mu.Lock()
	e.dels.fail = uplink.ErrConfig
	e.dels.mu.Unlock()
	_, err = e.client.CreateDeliveryStream(ctxT(t), &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("boom"), ExtendedS3DestinationConfiguration: s3Dest("b")})
	wantAPIError(t, err, errInvalidArgument)
	if _, err := e.store.Stream("boom"); !errors.Is(err, shards.ErrNotFound) {
		t.Errorf("failed create left its backing stream: %v", err)
	}
	if _, err := e.client.DescribeDeliveryStream(ctxT(t), &sdk.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("boom")}); err == nil {
		t.Error("failed create left its definition")
	}
}

func TestDeliveryStreamLimit(t *testing.T) {
	e := newEnv(t)
	e.api.mu.Lock()
	for i := range MaxDeliveryStreams {
		n := fmt.Sprintf("s%d", i)
		e.api.defs[n] = &definition{Name: n}
	}
	e.api.mu.Unlock()
	_, err := e.client.CreateDeliveryStream(ctxT(t), &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("one-too-many")})
	wantAPIError(t, err, errLimitExceeded)
}
