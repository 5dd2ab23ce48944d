package kvsapi

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesisvideo"
	"github.com/aws/aws-sdk-go-v2/service/kinesisvideo/types"
	"github.com/aws/smithy-go"
)

// aws-sdk-go-v2's kinesisvideo client, unchanged, describes and lists the
// cameras as streams and is told that the data endpoint is the gateway.
func TestSDKControlPlane(t *testing.T) {
	r := newRig(t)
	testvideoSecond(t, r)
	c := r.sdk()
	ctx := context.Background()
	d, err := c.DescribeStream(ctx, &kinesisvideo.DescribeStreamInput{StreamName: aws.String("cam")})
	if err != nil {
		t.Fatal(err)
	}
	si := d.StreamInfo
	if aws.ToString(si.StreamName) != "cam" || aws.ToString(si.StreamARN) != "arn:aws:kinesisvideo:eu-west-1:123456789012:stream/cam/0" ||
		si.Status != types.StatusActive || aws.ToString(si.MediaType) != "video/h264" || !si.CreationTime.Equal(t0) || aws.ToString(si.Version) != "1" {
		t.Errorf("DescribeStream: %+v", si)
	}
	byARN, err := c.DescribeStream(ctx, &kinesisvideo.DescribeStreamInput{StreamARN: si.StreamARN})
	if err != nil || aws.ToString(byARN.StreamInfo.StreamName) != "cam" {
		t.Errorf("DescribeStream by ARN: %+v %v", byARN, err)
	}
	var names []string
	p := kinesisvideo.NewListStreamsPaginator(c, &kinesisvideo.ListStreamsInput{MaxResults: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.StreamInfoList {
			names = append(names, aws.ToString(s.StreamName))
		}
	}
	if strings.Join(names, ",") != "cam,cam2" {
		t.Errorf("ListStreams a page at a time: %v", names)
	}
	l, err := c.ListStreams(ctx, &kinesisvideo.ListStreamsInput{StreamNameCondition: &types.StreamNameCondition{
		ComparisonOperator: types.ComparisonOperatorBeginsWith, ComparisonValue: aws.String("cam2")}})
	if err != nil || len(l.StreamInfoList) != 1 || aws.ToString(l.StreamInfoList[0].StreamName) != "cam2" {
		t.Errorf("ListStreams BEGINS_WITH cam2: %+v %v", l, err)
	}
	for _, api := range []types.APIName{types.APINameGetClip, types.APINameGetImages, types.APINameListFragments, types.APINameGetMedia} {
		e, err := c.GetDataEndpoint(ctx, &kinesisvideo.GetDataEndpointInput{StreamName: aws.String("cam"), APIName: api})
		if err != nil || aws.ToString(e.DataEndpoint) != r.url {
			t.Errorf("GetDataEndpoint %s: %+v %v, want %s", api, e, err, r.url)
		}
	}

	_, err = c.DescribeStream(ctx, &kinesisvideo.DescribeStreamInput{StreamName: aws.String("nope")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("an unknown stream: %v", err)
	}
	_, err = c.GetDataEndpoint(ctx, &kinesisvideo.GetDataEndpointInput{StreamName: aws.String("cam"), APIName: "BOGUS"})
	var ia *types.InvalidArgumentException
	if !errors.As(err, &ia) || !strings.Contains(ia.ErrorMessage(), "BOGUS") {
		t.Errorf("a bad APIName: %v", err)
	}
	_, err = c.DescribeStream(ctx, &kinesisvideo.DescribeStreamInput{StreamARN: aws.String("arn:aws:kinesis:eu-west-1:1:stream/cam")})
	if !errors.As(err, &ia) {
		t.Errorf("a Kinesis Data Streams ARN: %v", err)
	}
	bad := kinesisvideo.New(kinesisvideo.Options{BaseEndpoint: aws.String(r.url), Region: "eu-west-1", RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(testKey, "wrong", "")})
	_, err = bad.ListStreams(ctx, &kinesisvideo.ListStreamsInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidSignatureException" {
		t.Errorf("a wrong secret: %v", err)
	}
}
