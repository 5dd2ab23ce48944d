package kafka_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/kafka"
)

func Example() {
	// An in-process Kafka cluster stands in for the real one.
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "readings"))
	if err != nil {
		panic(err)
	}
	defer cluster.Close()

	sink, err := kafka.New(context.Background(), kafka.Config{
		Brokers:     cluster.ListenAddrs(),
		Topic:       "readings",
		Compression: "zstd",
	})
	if err != nil {
		panic(err)
	}
	defer sink.Close()

	err = sink.Send(context.Background(), &uplink.Batch{
		ID:       "batch-1",
		Delivery: "to-kafka",
		Records: []uplink.Record{
			{Stream: "sensors", Sequence: "1", PartitionKey: "device-1", Arrival: time.Now(), Data: []byte(`{"t":21.5}`)},
			{Stream: "sensors", Sequence: "2", PartitionKey: "device-2", Arrival: time.Now(), Data: []byte(`{"t":19.0}`)},
		},
	})
	var partial *uplink.PartialError
	switch {
	case errors.As(err, &partial):
		fmt.Println("retry", len(partial.Failed), "records")
	case err != nil:
		fmt.Println("send:", err)
	default:
		fmt.Println("delivered")
	}
	// Output: delivered
}
