package firehose_test

import (
	"context"
	"errors"
	"log"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/firehose"
)

// A sink writing into a Firehose delivery stream; credentials come from the
// standard AWS chain (here the environment, AWS_ACCESS_KEY_ID and friends).
func Example() {
	ctx := context.Background()
	sink, err := firehose.New(ctx, firehose.Config{DeliveryStream: "to-cloud", Region: "eu-west-1"})
	if err != nil {
		log.Fatal(err)
	}
	defer sink.Close()

	err = sink.Send(ctx, &uplink.Batch{ID: "batch-1", Records: []uplink.Record{
		{PartitionKey: "greenhouse-1", Data: []byte("{\"temp\":21.5}\n")},
	}})
	var partial *uplink.PartialError
	switch {
	case errors.As(err, &partial):
		log.Printf("%d records to retry", len(partial.Failed))
	case err != nil:
		log.Print(err)
	}
}
