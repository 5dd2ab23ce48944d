package gateway

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesisvideo"
	"github.com/aws/aws-sdk-go-v2/service/kinesisvideo/types"

	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/internal/testvideo"
)

// On a gateway with credentials, aws-sdk-go-v2's kinesisvideo client finds
// the camera as a stream and is told that the data endpoint is the
// gateway, where the AWS CLI lists its fragments, both signed with an
// access key of the configuration.
func TestKinesisVideoOnTheGateway(t *testing.T) {
	g := startGateway(t, testConfig(t, "auth:\n  access_keys:\n    - {id: AKIDVIDEO, secret: secret}\n"))
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second).UTC()
	testvideo.Record(t, g.VideoStore(), "door", testvideo.Encode(t, testvideo.Options{Seconds: 6, Video: testvideo.H264(25)}), t0, false)
	c := kinesisvideo.New(kinesisvideo.Options{BaseEndpoint: aws.String("http://" + g.Addr().String()), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDVIDEO", "secret", ""), RetryMaxAttempts: 1})
	d, err := c.DescribeStream(context.Background(), &kinesisvideo.DescribeStreamInput{StreamName: aws.String("door")})
	if err != nil || aws.ToString(d.StreamInfo.StreamARN) != "arn:aws:kinesisvideo:us-east-1:000000000000:stream/door/0" {
		t.Fatalf("DescribeStream: %+v %v", d, err)
	}
	e, err := c.GetDataEndpoint(context.Background(), &kinesisvideo.GetDataEndpointInput{StreamName: aws.String("door"), APIName: types.APINameListFragments})
	if err != nil || aws.ToString(e.DataEndpoint) != "http://"+g.Addr().String() {
		t.Fatalf("GetDataEndpoint: %+v %v", e, err)
	}
	cli := peer.NewAWSCLI(t, aws.ToString(e.DataEndpoint), "AKIDVIDEO")
	out := cli.Run([]string{"kinesis-video-archived-media", "list-fragments", "--stream-name", "door"})
	if n := len(out["Fragments"].([]any)); n != 3 {
		t.Errorf("%d fragments of 6 s", n)
	}
}
