package s3_test

import (
	"context"
	"log"
	"time"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/s3"
)

// A delivery to a MinIO bucket. Credentials come from the standard chain:
// here AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment.
func ExampleNew() {
	ctx := context.Background()
	s, err := s3.New(ctx, s3.Config{
		Bucket:      "telemetry",
		Endpoint:    "http://minio.local:9000",
		Prefix:      "site=lisbon/!{timestamp:yyyy/MM/dd}/",
		ErrorPrefix: "errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/",
		Compression: "gzip",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	err = s.Send(ctx, &uplink.Batch{
		ID:       "0001",
		Delivery: "to-cloud",
		Created:  time.Now(),
		Records:  []uplink.Record{{PartitionKey: "node-1", Data: []byte(`{"t":21.5}` + "\n")}},
	})
	if code, ok := uplink.IsPermanent(err); ok {
		log.Printf("refused (%s): %v", code, err)
	}
}
