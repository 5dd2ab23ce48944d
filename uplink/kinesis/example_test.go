package kinesis_test

import (
	"context"
	"errors"
	"log"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/kinesis"
)

// A sink writing into a Kinesis stream; credentials come from the standard
// AWS chain (here the environment, AWS_ACCESS_KEY_ID and friends).
func Example() {
	ctx := context.Background()
	sink, err := kinesis.New(ctx, kinesis.Config{
		Stream: "arn:aws:kinesis:eu-west-1:123456789012:stream/sensors",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer sink.Close()

	err = sink.Send(ctx, &uplink.Batch{ID: "batch-1", Records: []uplink.Record{
		{PartitionKey: "greenhouse-1", Data: []byte(`{"temp":21.5}`)},
	}})
	var partial *uplink.PartialError
	switch {
	case errors.As(err, &partial):
		log.Printf("%d records to retry", len(partial.Failed))
	case err != nil:
		log.Print(err)
	}
}
