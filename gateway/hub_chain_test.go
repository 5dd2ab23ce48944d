package gateway

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
)

// A delivery stream created through the Firehose API with an HTTP endpoint
// destination runs as a delivery: what PutRecordBatch takes reaches the
// endpoint (here a second gateway's receiver).
func TestHubDeliveryStreamWithHTTPEndpointDestination(t *testing.T) {
	final := startGateway(t, testConfig(t, "streams:\n  - { name: archive }\n"))
	hub := startGateway(t, testConfig(t, ""))
	fh := firehose.New(firehose.Options{
		BaseEndpoint: aws.String("http://" + hub.Addr().String()), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
	})
	ctx := context.Background()
	_, err := fh.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("relay"),
		HttpEndpointDestinationConfiguration: &types.HttpEndpointDestinationConfiguration{
			EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String(fmt.Sprintf("http://%s/api/v1/firehose/archive", final.Addr()))},
			BufferingHints:        &types.HttpEndpointBufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)},
			RequestConfiguration:  &types.HttpEndpointRequestConfiguration{ContentEncoding: types.ContentEncodingGzip},
			S3Configuration:       &types.S3DestinationConfiguration{BucketARN: aws.String("arn:aws:s3:::backup"), RoleARN: aws.String("arn:aws:iam::000000000000:role/x")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for b := 0; b < 4; b++ {
		var recs []types.Record
		for i := 0; i < 250; i++ {
			recs = append(recs, types.Record{Data: fmt.Appendf(nil, "r%d", b*250+i)})
		}
		out, err := fh.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String("relay"), Records: recs})
		if err != nil || aws.ToInt32(out.FailedPutCount) != 0 {
			t.Fatalf("put: %v %v", err, out)
		}
	}
	archive, _ := final.Store().Stream("archive")
	waitFor(t, "1000 records relayed", func() bool { return len(readAllRecords(t, archive)) >= 1000 })
	for i, r := range readAllRecords(t, archive) {
		if string(r.Data) != fmt.Sprintf("r%d", i) {
			t.Fatalf("record %d is %q: order or content lost", i, r.Data)
		}
	}
	if st, err := hub.Deliveries().Status("relay"); err != nil || st.RecordsDelivered != 1000 || st.Destination != "http" {
		t.Errorf("hub delivery status %+v %v", st, err)
	}
}
