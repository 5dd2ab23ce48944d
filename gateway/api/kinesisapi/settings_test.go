package kinesisapi

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/tidegate/tidegate/shards"
)

// An ON_DEMAND stream is reported as such by every describe and counted by
// DescribeLimits; UpdateStreamMode switches it; UpdateShardCount refuses it.
func TestOnDemandIsReportedEverywhere(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	if _, err := e.client.CreateStream(ctx, &sdk.CreateStreamInput{StreamName: aws.String("od"),
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}); err != nil {
		t.Fatal(err)
	}
	e.create(t, "prov", 1)
	mode := func(name string) []types.StreamMode {
		t.Helper()
		d, err := e.client.DescribeStream(ctx, &sdk.DescribeStreamInput{StreamName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		sum, err := e.client.DescribeStreamSummary(ctx, &sdk.DescribeStreamSummaryInput{StreamName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		l, err := e.client.ListStreams(ctx, &sdk.ListStreamsInput{})
		if err != nil {
			t.Fatal(err)
		}
		var listed types.StreamMode
		for _, s := range l.StreamSummaries {
			if aws.ToString(s.StreamName) == name {
				listed = s.StreamModeDetails.StreamMode
			}
		}
		return []types.StreamMode{d.StreamDescription.StreamModeDetails.StreamMode, sum.StreamDescriptionSummary.StreamModeDetails.StreamMode, listed}
	}
	if got := mode("od"); !slices.Equal(got, []types.StreamMode{"ON_DEMAND", "ON_DEMAND", "ON_DEMAND"}) {
		t.Fatalf("ON_DEMAND stream reported as %v (DescribeStream, DescribeStreamSummary, ListStreams)", got)
	}
	if got := mode("prov"); !slices.Equal(got, []types.StreamMode{"PROVISIONED", "PROVISIONED", "PROVISIONED"}) {
		t.Fatalf("PROVISIONED stream reported as %v", got)
	}
	lim, err := e.client.DescribeLimits(ctx, &sdk.DescribeLimitsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(lim.OnDemandStreamCount) != 1 || aws.ToInt32(lim.OnDemandStreamCountLimit) != 50 {
		t.Fatalf("DescribeLimits on-demand %d of %d, want 1 of 50", aws.ToInt32(lim.OnDemandStreamCount), aws.ToInt32(lim.OnDemandStreamCountLimit))
	}
	_, err = e.client.UpdateShardCount(ctx, &sdk.UpdateShardCountInput{StreamName: aws.String("od"), TargetShardCount: aws.Int32(5), ScalingType: types.ScalingTypeUniformScaling})
	if ae := wantAPIError(t, err, "ValidationException"); ae.ErrorMessage() != "Request is invalid. Stream od under account 000000000000 is in On-Demand mode." {
		t.Errorf("message %q", ae.ErrorMessage())
	}
	if _, err := e.client.UpdateStreamMode(ctx, &sdk.UpdateStreamModeInput{StreamARN: aws.String(e.api.streamARN("od")),
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeProvisioned}}); err != nil {
		t.Fatal(err)
	}
	if got := mode("od"); got[0] != "PROVISIONED" {
		t.Fatalf("after UpdateStreamMode: %v", got)
	}
	if _, err := e.client.UpdateStreamMode(ctx, &sdk.UpdateStreamModeInput{StreamARN: aws.String(e.api.streamARN("prov")),
		StreamModeDetails: &types.StreamModeDetails{StreamMode: "SOMETIMES"}}); err == nil {
		t.Fatal("an unknown mode was accepted")
	}
}

// UpdateShardCount beyond double or below half is LimitExceededException in
// Kinesis's words.
func TestUpdateShardCountLimits(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	e.create(t, "s", 4)
	for _, tc := range []struct {
		target int32
		msg    string
	}{
		{9, "UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: 4 Target shard count: 9"},
		{1, "UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: 4 Target shard count: 1"},
	} {
		_, err := e.client.UpdateShardCount(ctx, &sdk.UpdateShardCountInput{StreamName: aws.String("s"), TargetShardCount: aws.Int32(tc.target), ScalingType: types.ScalingTypeUniformScaling})
		if ae := wantAPIError(t, err, "LimitExceededException"); ae.ErrorMessage() != tc.msg {
			t.Errorf("target %d: %q, want %q", tc.target, ae.ErrorMessage(), tc.msg)
		}
	}
	for _, target := range []int32{2, 4, 8} {
		if _, err := e.client.UpdateShardCount(ctx, &sdk.UpdateShardCountInput{StreamName: aws.String("s"), TargetShardCount: aws.Int32(target), ScalingType: types.ScalingTypeUniformScaling}); err != nil {
			t.Fatalf("target %d: %v", target, err)
		}
	}
}

// Enhanced monitoring and encryption are accepted and reflected in both
// describes.
func TestMonitoringAndEncryptionSettings(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	e.create(t, "s", 1)
	en, err := e.client.EnableEnhancedMonitoring(ctx, &sdk.EnableEnhancedMonitoringInput{StreamName: aws.String("s"),
		ShardLevelMetrics: []types.MetricsName{"OutgoingBytes", "IncomingBytes"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(en.CurrentShardLevelMetrics) != 0 || !slices.Equal(en.DesiredShardLevelMetrics, []types.MetricsName{"IncomingBytes", "OutgoingBytes"}) ||
		aws.ToString(en.StreamARN) != e.api.streamARN("s") {
		t.Fatalf("enable: %+v", en)
	}
	if _, err := e.client.EnableEnhancedMonitoring(ctx, &sdk.EnableEnhancedMonitoringInput{StreamName: aws.String("s"),
		ShardLevelMetrics: []types.MetricsName{"Nope"}}); err == nil {
		t.Fatal("an unknown metric was accepted")
	}
	dis, err := e.client.DisableEnhancedMonitoring(ctx, &sdk.DisableEnhancedMonitoringInput{StreamName: aws.String("s"),
		ShardLevelMetrics: []types.MetricsName{"IncomingBytes"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dis.DesiredShardLevelMetrics, []types.MetricsName{"OutgoingBytes"}) {
		t.Fatalf("disable: %+v", dis)
	}
	if _, err := e.client.StartStreamEncryption(ctx, &sdk.StartStreamEncryptionInput{StreamName: aws.String("s"),
		EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")}); err != nil {
		t.Fatal(err)
	}
	d, err := e.client.DescribeStream(ctx, &sdk.DescribeStreamInput{StreamName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := e.client.DescribeStreamSummary(ctx, &sdk.DescribeStreamSummaryInput{StreamName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []struct {
		enc     types.EncryptionType
		key     string
		metrics []types.MetricsName
	}{
		{d.StreamDescription.EncryptionType, aws.ToString(d.StreamDescription.KeyId), d.StreamDescription.EnhancedMonitoring[0].ShardLevelMetrics},
		{sum.StreamDescriptionSummary.EncryptionType, aws.ToString(sum.StreamDescriptionSummary.KeyId), sum.StreamDescriptionSummary.EnhancedMonitoring[0].ShardLevelMetrics},
	} {
		if got.enc != "KMS" || got.key != "alias/aws/kinesis" || !slices.Equal(got.metrics, []types.MetricsName{"OutgoingBytes"}) {
			t.Fatalf("describe: %+v", got)
		}
	}
	if _, err := e.client.StopStreamEncryption(ctx, &sdk.StopStreamEncryptionInput{StreamName: aws.String("s"),
		EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")}); err != nil {
		t.Fatal(err)
	}
	d, _ = e.client.DescribeStream(ctx, &sdk.DescribeStreamInput{StreamName: aws.String("s")})
	if d.StreamDescription.EncryptionType != "NONE" || d.StreamDescription.KeyId != nil {
		t.Fatalf("after stop: %s %v", d.StreamDescription.EncryptionType, d.StreamDescription.KeyId)
	}
	_, err = e.client.StartStreamEncryption(ctx, &sdk.StartStreamEncryptionInput{StreamName: aws.String("s"), EncryptionType: types.EncryptionTypeNone, KeyId: aws.String("k")})
	wantAPIError(t, err, "InvalidArgumentException")
}

// TagResource, UntagResource and ListTagsForResource work on a stream's ARN,
// share its tags with the *TagsToStream operations, and validate as they do.
func TestTagsByResourceARN(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	e.create(t, "s", 1)
	arn := aws.String(e.api.streamARN("s"))
	if _, err := e.client.TagResource(ctx, &sdk.TagResourceInput{ResourceARN: arn, Tags: map[string]string{"site": "north field", "team": "ops@x"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.UntagResource(ctx, &sdk.UntagResourceInput{ResourceARN: arn, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	l, err := e.client.ListTagsForResource(ctx, &sdk.ListTagsForResourceInput{ResourceARN: arn})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Tags) != 1 || aws.ToString(l.Tags[0].Key) != "site" || aws.ToString(l.Tags[0].Value) != "north field" {
		t.Fatalf("tags %+v", l.Tags)
	}
	ls, _ := e.client.ListTagsForStream(ctx, &sdk.ListTagsForStreamInput{StreamName: aws.String("s")})
	if len(ls.Tags) != 1 {
		t.Fatalf("ListTagsForStream %+v", ls.Tags)
	}
	_, err = e.client.TagResource(ctx, &sdk.TagResourceInput{ResourceARN: arn, Tags: map[string]string{"bad#key": "v"}})
	wantAPIError(t, err, "InvalidArgumentException")
	_, err = e.client.TagResource(ctx, &sdk.TagResourceInput{ResourceARN: arn, Tags: map[string]string{strings.Repeat("k", 129): "v"}})
	wantAPIError(t, err, "ValidationException")
	many := map[string]string{}
	for i := range 50 {
		many[keyN(i)] = "v"
	}
	_, err = e.client.TagResource(ctx, &sdk.TagResourceInput{ResourceARN: arn, Tags: many}) // 51 with "site"
	if ae := wantAPIError(t, err, "InvalidArgumentException"); !strings.Contains(ae.ErrorMessage(), "cannot have more than 50 tags") {
		t.Errorf("message %q", ae.ErrorMessage())
	}
	_, err = e.client.ListTagsForResource(ctx, &sdk.ListTagsForResourceInput{ResourceARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/nope")})
	wantAPIError(t, err, "ResourceNotFoundException")
	_, err = e.client.ListTagsForResource(ctx, &sdk.ListTagsForResourceInput{ResourceARN: aws.String("not-an-arn")})
	wantAPIError(t, err, "ValidationException")
}

// Errors the engine explains reach clients without its "invalid argument: "
// prefix.
func TestEngineErrorsWithoutPrefix(t *testing.T) {
	for _, tc := range []struct {
		err       error
		typ, want string
	}{
		{fmt.Errorf("%w: target shard count 9 must be between 2 and 8", shards.ErrInvalidArgument), "InvalidArgumentException", "Target shard count 9 must be between 2 and 8"},
		{fmt.Errorf("shards: stream %q: %w: stream %q would have more than 10000 open shards", "x", shards.ErrLimitExceeded, "x"), "LimitExceededException", `Stream "x" would have more than 10000 open shards`},
		{shards.ErrNotFound, "ResourceNotFoundException", "Not found"},
	} {
		e := mapError(tc.err)
		if e == nil || e.Type != tc.typ || e.Message != tc.want {
			t.Errorf("%v: %+v, want %s %q", tc.err, e, tc.typ, tc.want)
		}
	}
}
