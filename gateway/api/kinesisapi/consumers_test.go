package kinesisapi

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

func (e *env) register(t testing.TB, stream, name string) *types.Consumer {
	t.Helper()
	out, err := e.client.RegisterStreamConsumer(ctxT(t), &sdk.RegisterStreamConsumerInput{
		StreamARN: aws.String(e.api.streamARN(stream)), ConsumerName: aws.String(name)})
	if err != nil {
		t.Fatalf("RegisterStreamConsumer %s: %v", name, err)
	}
	return out.Consumer
}

func TestConsumers(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	e.create(t, "fan", 1)
	streamARN := aws.String(e.api.streamARN("fan"))
	c := e.register(t, "fan", "app-a")
	arn := aws.ToString(c.ConsumerARN)
	if !strings.HasPrefix(arn, "arn:aws:kinesis:us-east-1:000000000000:stream/fan/consumer/app-a:") || c.ConsumerStatus != types.ConsumerStatusActive {
		t.Errorf("consumer %s %s", arn, c.ConsumerStatus)
	}
	if want := fmt.Sprintf(":%d", aws.ToTime(c.ConsumerCreationTimestamp).Unix()); !strings.HasSuffix(arn, want) {
		t.Errorf("ARN %s does not end in the creation time %s", arn, want)
	}
	for i := range 4 {
		e.register(t, "fan", fmt.Sprint("app-", string(rune('b'+i))))
	}
	_, err := e.client.RegisterStreamConsumer(ctx, &sdk.RegisterStreamConsumerInput{StreamARN: streamARN, ConsumerName: aws.String("app-a")})
	wantAPIError(t, err, "ResourceInUseException")

	byARN, err := e.client.DescribeStreamConsumer(ctx, &sdk.DescribeStreamConsumerInput{ConsumerARN: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	byName, err := e.client.DescribeStreamConsumer(ctx, &sdk.DescribeStreamConsumerInput{StreamARN: streamARN, ConsumerName: aws.String("app-a")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(byARN.ConsumerDescription.ConsumerARN) != arn || aws.ToString(byName.ConsumerDescription.ConsumerARN) != arn ||
		aws.ToString(byARN.ConsumerDescription.StreamARN) != *streamARN {
		t.Errorf("describe: %+v / %+v", byARN.ConsumerDescription, byName.ConsumerDescription)
	}

	var names []string
	p := sdk.NewListStreamConsumersPaginator(e.client, &sdk.ListStreamConsumersInput{StreamARN: streamARN, MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range out.Consumers {
			names = append(names, aws.ToString(c.ConsumerName))
		}
	}
	if strings.Join(names, ",") != "app-a,app-b,app-c,app-d,app-e" {
		t.Errorf("listed %v", names)
	}

	_, err = e.client.DeleteStream(ctx, &sdk.DeleteStreamInput{StreamName: aws.String("fan")})
	wantAPIError(t, err, "ResourceInUseException")

	if _, err := e.client.DeregisterStreamConsumer(ctx, &sdk.DeregisterStreamConsumerInput{ConsumerARN: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.DescribeStreamConsumer(ctx, &sdk.DescribeStreamConsumerInput{ConsumerARN: aws.String(arn)})
	wantAPIError(t, err, "ResourceNotFoundException")
	_, err = e.client.DeregisterStreamConsumer(ctx, &sdk.DeregisterStreamConsumerInput{StreamARN: streamARN, ConsumerName: aws.String("app-a")})
	wantAPIError(t, err, "ResourceNotFoundException")
	_, err = e.client.DescribeStreamConsumer(ctx, &sdk.DescribeStreamConsumerInput{ConsumerARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/fan/consumer/nope:1")})
	wantAPIError(t, err, "ResourceNotFoundException")
	_, err = e.client.DescribeStreamConsumer(ctx, &sdk.DescribeStreamConsumerInput{ConsumerARN: aws.String("not-an-arn")})
	wantAPIError(t, err, "ValidationException")

	if _, err := e.client.DeleteStream(ctx, &sdk.DeleteStreamInput{StreamName: aws.String("fan"), EnforceConsumerDeletion: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
}
