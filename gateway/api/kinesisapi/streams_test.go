package kinesisapi

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

func TestCreateDescribeDelete(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	before := time.Now().Add(-time.Second)
	e.create(t, "orders", 3)

	d, err := e.client.DescribeStream(ctx, &sdk.DescribeStreamInput{StreamName: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	sd := d.StreamDescription
	if got := aws.ToString(sd.StreamARN); got != "arn:aws:kinesis:us-east-1:000000000000:stream/orders" {
		t.Errorf("StreamARN = %s", got)
	}
	if sd.StreamStatus != types.StreamStatusActive || sd.EncryptionType != types.EncryptionTypeNone ||
		sd.StreamModeDetails == nil || sd.StreamModeDetails.StreamMode != types.StreamModeProvisioned {
		t.Errorf("status %s, encryption %s, mode %+v", sd.StreamStatus, sd.EncryptionType, sd.StreamModeDetails)
	}
	if len(sd.Shards) != 3 || aws.ToBool(sd.HasMoreShards) || aws.ToInt32(sd.RetentionPeriodHours) != 24 {
		t.Errorf("%d shards, more %v, retention %d", len(sd.Shards), aws.ToBool(sd.HasMoreShards), aws.ToInt32(sd.RetentionPeriodHours))
	}
	if ts := aws.ToTime(sd.StreamCreationTimestamp); ts.Before(before) || ts.After(time.Now().Add(time.Second)) {
		t.Errorf("StreamCreationTimestamp = %v", ts)
	}
	if sd.Shards[0].HashKeyRange == nil || aws.ToString(sd.Shards[0].HashKeyRange.StartingHashKey) != "0" ||
		aws.ToString(sd.Shards[2].HashKeyRange.EndingHashKey) != "340282366920938463463374607431768211455" {
		t.Errorf("hash key ranges %+v %+v", sd.Shards[0].HashKeyRange, sd.Shards[2].HashKeyRange)
	}

	s, err := e.client.DescribeStreamSummary(ctx, &sdk.DescribeStreamSummaryInput{StreamName: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	sum := s.StreamDescriptionSummary
	if aws.ToInt32(sum.OpenShardCount) != 3 || aws.ToInt32(sum.ConsumerCount) != 0 || aws.ToInt32(sum.MaxRecordSizeInKiB) != 1024 {
		t.Errorf("summary: open %d, consumers %d, max record %d KiB", aws.ToInt32(sum.OpenShardCount), aws.ToInt32(sum.ConsumerCount), aws.ToInt32(sum.MaxRecordSizeInKiB))
	}

	_, err = e.client.CreateStream(ctx, &sdk.CreateStreamInput{StreamName: aws.String("orders"), ShardCount: aws.Int32(1)})
	wantAPIError(t, err, "ResourceInUseException")

	if _, err := e.client.DeleteStream(ctx, &sdk.DeleteStreamInput{StreamName: aws.String("orders")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.DescribeStream(ctx, &sdk.DescribeStreamInput{StreamName: aws.String("orders")})
	wantAPIError(t, err, "ResourceNotFoundException")
	_, err = e.client.DeleteStream(ctx, &sdk.DeleteStreamInput{StreamName: aws.String("orders")})
	wantAPIError(t, err, "ResourceNotFoundException")
}

func TestCreateStreamValidation(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name string
		in   sdk.CreateStreamInput
		want string
	}{
		{"bad name", sdk.CreateStreamInput{StreamName: aws.String("no spaces"), ShardCount: aws.Int32(1)}, "ValidationException"},
		{"zero shards", sdk.CreateStreamInput{StreamName: aws.String("s"), ShardCount: aws.Int32(0)}, "ValidationException"},
		{"too many shards", sdk.CreateStreamInput{StreamName: aws.String("s"), ShardCount: aws.Int32(5000)}, "LimitExceededException"},
		{"record size", sdk.CreateStreamInput{StreamName: aws.String("s"), ShardCount: aws.Int32(1), MaxRecordSizeInKiB: aws.Int32(20000)}, "ValidationException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.CreateStream(ctxT(t), &tc.in)
			wantAPIError(t, err, tc.want)
		})
	}
	if n := len(e.store.Streams()); n != 0 {
		t.Errorf("%d streams created by invalid requests", n)
	}
}

func TestCreateStreamOptions(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	_, err := e.client.CreateStream(ctx, &sdk.CreateStreamInput{StreamName: aws.String("od"),
		StreamModeDetails:  &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand},
		MaxRecordSizeInKiB: aws.Int32(2048), Tags: map[string]string{"team": "edge"}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.client.DescribeStreamSummary(ctx, &sdk.DescribeStreamSummaryInput{StreamName: aws.String("od")})
	if err != nil {
		t.Fatal(err)
	}
	if n := aws.ToInt32(s.StreamDescriptionSummary.OpenShardCount); n != 4 {
		t.Errorf("on-demand stream has %d shards, want 4", n)
	}
	if n := aws.ToInt32(s.StreamDescriptionSummary.MaxRecordSizeInKiB); n != 2048 {
		t.Errorf("MaxRecordSizeInKiB = %d", n)
	}
	lim, err := e.client.DescribeLimits(ctx, &sdk.DescribeLimitsInput{})
	if err != nil || aws.ToInt32(lim.OpenShardCount) != 4 || aws.ToInt32(lim.ShardLimit) < 4 {
		t.Errorf("DescribeLimits: %+v, %v", lim, err)
	}
	tags, err := e.client.ListTagsForStream(ctx, &sdk.ListTagsForStreamInput{StreamName: aws.String("od")})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "edge" {
		t.Errorf("tags %+v, %v", tags, err)
	}
}

func TestListStreamsPaging(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	var want []string
	for i := range 7 {
		name := fmt.Sprintf("s%02d", i)
		e.create(t, name, 1)
		want = append(want, name)
	}
	// NextToken paging, through the SDK's paginator.
	var got []string
	p := sdk.NewListStreamsPaginator(e.client, &sdk.ListStreamsInput{Limit: aws.Int32(3)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		got = append(got, out.StreamNames...)
		if len(out.StreamSummaries) != len(out.StreamNames) {
			t.Fatalf("%d summaries for %d names", len(out.StreamSummaries), len(out.StreamNames))
		}
		for _, s := range out.StreamSummaries {
			if aws.ToString(s.StreamARN) != e.api.streamARN(aws.ToString(s.StreamName)) || s.StreamStatus != types.StreamStatusActive {
				t.Errorf("summary %+v", s)
			}
		}
	}
	if !slices.Equal(got, want) || pages != 3 {
		t.Errorf("paged %v in %d pages, want %v in 3", got, pages, want)
	}
	// ExclusiveStartStreamName paging.
	out, err := e.client.ListStreams(ctx, &sdk.ListStreamsInput{Limit: aws.Int32(2), ExclusiveStartStreamName: aws.String("s02")})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.StreamNames, []string{"s03", "s04"}) || !aws.ToBool(out.HasMoreStreams) {
		t.Errorf("after s02: %v, more %v", out.StreamNames, aws.ToBool(out.HasMoreStreams))
	}
	out, err = e.client.ListStreams(ctx, &sdk.ListStreamsInput{ExclusiveStartStreamName: aws.String("s05")})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.StreamNames, []string{"s06"}) || aws.ToBool(out.HasMoreStreams) || out.NextToken != nil {
		t.Errorf("after s05: %v, more %v, token %v", out.StreamNames, aws.ToBool(out.HasMoreStreams), out.NextToken)
	}
	_, err = e.client.ListStreams(ctx, &sdk.ListStreamsInput{NextToken: aws.String("!!")})
	wantAPIError(t, err, "InvalidArgumentException")
}

func TestDescribeStreamPaging(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	e.create(t, "wide", 5)
	var ids []string
	var start *string
	for range 10 {
		d, err := e.client.DescribeStream(ctx, &sdk.DescribeStreamInput{StreamName: aws.String("wide"), Limit: aws.Int32(2), ExclusiveStartShardId: start})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range d.StreamDescription.Shards {
			ids = append(ids, aws.ToString(s.ShardId))
		}
		if !aws.ToBool(d.StreamDescription.HasMoreShards) {
			break
		}
		start = d.StreamDescription.Shards[len(d.StreamDescription.Shards)-1].ShardId
	}
	want := []string{"shardId-000000000000", "shardId-000000000001", "shardId-000000000002", "shardId-000000000003", "shardId-000000000004"}
	if !slices.Equal(ids, want) {
		t.Errorf("paged %v", ids)
	}
}

func TestListShardsPaging(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	e.create(t, "wide", 5)
	var ids []string
	out, err := e.client.ListShards(ctx, &sdk.ListShardsInput{StreamName: aws.String("wide"), MaxResults: aws.Int32(2)})
	for {
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range out.Shards {
			ids = append(ids, aws.ToString(s.ShardId))
		}
		if out.NextToken == nil {
			break
		}
		out, err = e.client.ListShards(ctx, &sdk.ListShardsInput{NextToken: out.NextToken, MaxResults: aws.Int32(2)})
	}
	if len(ids) != 5 || ids[4] != "shardId-000000000004" {
		t.Errorf("paged %v", ids)
	}
	out, err = e.client.ListShards(ctx, &sdk.ListShardsInput{StreamName: aws.String("wide"), ExclusiveStartShardId: aws.String("shardId-000000000002")})
	if err != nil || len(out.Shards) != 2 || aws.ToString(out.Shards[0].ShardId) != "shardId-000000000003" {
		t.Errorf("after shard 2: %+v, %v", out, err)
	}
	_, err = e.client.ListShards(ctx, &sdk.ListShardsInput{StreamName: aws.String("wide"), NextToken: aws.String("x")})
	wantAPIError(t, err, "InvalidArgumentException")
	_, err = e.client.ListShards(ctx, &sdk.ListShardsInput{NextToken: aws.String("garbage")})
	wantAPIError(t, err, "InvalidArgumentException")

	// A token expires after five minutes.
	out, err = e.client.ListShards(ctx, &sdk.ListShardsInput{StreamName: aws.String("wide"), MaxResults: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(6 * time.Minute)
	_, err = e.client.ListShards(ctx, &sdk.ListShardsInput{NextToken: out.NextToken})
	wantAPIError(t, err, "ExpiredNextTokenException")
}

func TestTags(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	e.create(t, "tagged", 1)
	if _, err := e.client.AddTagsToStream(ctx, &sdk.AddTagsToStreamInput{StreamName: aws.String("tagged"),
		Tags: map[string]string{"a": "1", "b": "2", "c": "3"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.RemoveTagsFromStream(ctx, &sdk.RemoveTagsFromStreamInput{StreamName: aws.String("tagged"), TagKeys: []string{"b"}}); err != nil {
		t.Fatal(err)
	}
	out, err := e.client.ListTagsForStream(ctx, &sdk.ListTagsForStreamInput{StreamName: aws.String("tagged"), Limit: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Tags) != 1 || aws.ToString(out.Tags[0].Key) != "a" || !aws.ToBool(out.HasMoreTags) {
		t.Errorf("first page %+v more %v", out.Tags, aws.ToBool(out.HasMoreTags))
	}
	out, err = e.client.ListTagsForStream(ctx, &sdk.ListTagsForStreamInput{StreamARN: aws.String(e.api.streamARN("tagged")), ExclusiveStartTagKey: aws.String("a")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Tags) != 1 || aws.ToString(out.Tags[0].Key) != "c" || aws.ToString(out.Tags[0].Value) != "3" || aws.ToBool(out.HasMoreTags) {
		t.Errorf("second page %+v more %v", out.Tags, aws.ToBool(out.HasMoreTags))
	}
	many := map[string]string{}
	for i := range 51 {
		many[fmt.Sprint("k", i)] = "v"
	}
	_, err = e.client.AddTagsToStream(ctx, &sdk.AddTagsToStreamInput{StreamName: aws.String("tagged"), Tags: many})
	wantAPIError(t, err, "InvalidArgumentException") // a stream may have 50; a request may carry 200
}

func TestRetention(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	e.create(t, "keep", 1)
	retention := func() int32 {
		d, err := e.client.DescribeStreamSummary(ctx, &sdk.DescribeStreamSummaryInput{StreamName: aws.String("keep")})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToInt32(d.StreamDescriptionSummary.RetentionPeriodHours)
	}
	if _, err := e.client.IncreaseStreamRetentionPeriod(ctx, &sdk.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("keep"), RetentionPeriodHours: aws.Int32(168)}); err != nil {
		t.Fatal(err)
	}
	if h := retention(); h != 168 {
		t.Errorf("after increase: %d hours", h)
	}
	_, err := e.client.IncreaseStreamRetentionPeriod(ctx, &sdk.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("keep"), RetentionPeriodHours: aws.Int32(48)})
	wantAPIError(t, err, "InvalidArgumentException")
	_, err = e.client.DecreaseStreamRetentionPeriod(ctx, &sdk.DecreaseStreamRetentionPeriodInput{StreamName: aws.String("keep"), RetentionPeriodHours: aws.Int32(200)})
	wantAPIError(t, err, "InvalidArgumentException")
	if _, err := e.client.DecreaseStreamRetentionPeriod(ctx, &sdk.DecreaseStreamRetentionPeriodInput{StreamARN: aws.String(e.api.streamARN("keep")), RetentionPeriodHours: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	if h := retention(); h != 1 {
		t.Errorf("after decrease: %d hours", h)
	}
	_, err = e.client.IncreaseStreamRetentionPeriod(ctx, &sdk.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("keep"), RetentionPeriodHours: aws.Int32(8761)})
	wantAPIError(t, err, "ValidationException")
	_, err = e.client.DecreaseStreamRetentionPeriod(ctx, &sdk.DecreaseStreamRetentionPeriodInput{StreamName: aws.String("keep"), RetentionPeriodHours: aws.Int32(0)})
	wantAPIError(t, err, "ValidationException")
	if h := retention(); h != 1 {
		t.Errorf("refused changes changed retention to %d hours", h)
	}
}

func TestUpdateMaxRecordSize(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	e.create(t, "big", 1)
	arn := aws.String(e.api.streamARN("big"))
	data := make([]byte, 2<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	_, err := e.client.PutRecord(ctx, &sdk.PutRecordInput{StreamARN: arn, PartitionKey: aws.String("k"), Data: data})
	wantAPIError(t, err, "ValidationException")
	if _, err := e.client.UpdateMaxRecordSize(ctx, &sdk.UpdateMaxRecordSizeInput{StreamARN: arn, MaxRecordSizeInKiB: aws.Int32(4096)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.PutRecord(ctx, &sdk.PutRecordInput{StreamARN: arn, PartitionKey: aws.String("k"), Data: data}); err != nil {
		t.Fatal(err)
	}
	recs, _ := e.readAll(t, e.iterator(t, "big", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon))
	if len(recs) != 1 || !slices.Equal(recs[0].Data, data) {
		t.Fatalf("read %d records", len(recs))
	}
	_, err = e.client.UpdateMaxRecordSize(ctx, &sdk.UpdateMaxRecordSizeInput{StreamARN: arn, MaxRecordSizeInKiB: aws.Int32(512)})
	wantAPIError(t, err, "ValidationException")
}

func TestStreamARNs(t *testing.T) {
	e := newEnv(t, func(a *API) { a.Region, a.AccountID = "eu-west-1", "123456789012" })
	ctx := ctxT(t)
	e.create(t, "by-arn", 1)
	arn := "arn:aws:kinesis:eu-west-1:123456789012:stream/by-arn"
	d, err := e.client.DescribeStream(ctx, &sdk.DescribeStreamInput{StreamARN: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d.StreamDescription.StreamARN) != arn {
		t.Errorf("StreamARN %s", aws.ToString(d.StreamDescription.StreamARN))
	}
	p, err := e.client.PutRecord(ctx, &sdk.PutRecordInput{StreamARN: aws.String(arn), PartitionKey: aws.String("k"), Data: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	it, err := e.client.GetShardIterator(ctx, &sdk.GetShardIteratorInput{StreamARN: aws.String(arn), ShardId: p.ShardId,
		ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	g, err := e.client.GetRecords(ctx, &sdk.GetRecordsInput{StreamARN: aws.String(arn), ShardIterator: it.ShardIterator})
	if err != nil || len(g.Records) != 1 {
		t.Fatalf("GetRecords by ARN: %v, %+v", err, g)
	}
	// Another account's ARN does not name this stream.
	_, err = e.client.DescribeStreamSummary(ctx, &sdk.DescribeStreamSummaryInput{StreamARN: aws.String("arn:aws:kinesis:eu-west-1:999999999999:stream/by-arn")})
	wantAPIError(t, err, "ResourceNotFoundException")
	if _, err := e.client.DeleteStream(ctx, &sdk.DeleteStreamInput{StreamARN: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
}
