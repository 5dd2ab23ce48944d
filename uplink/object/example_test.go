package object_test

import (
	"bytes"
	"fmt"
	"time"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/object"
)

func ExampleLayout_Objects() {
	l, err := object.NewLayout("year=!{timestamp:yyyy}/device=!{partitionKey}/", "errors/!{firehose:error-output-type}/", object.Gzip)
	if err != nil {
		panic(err)
	}
	b := &uplink.Batch{
		ID:       "0001",
		Delivery: "to-cloud",
		Created:  time.Date(2024, time.March, 5, 7, 8, 9, 0, time.UTC),
		Records: []uplink.Record{
			{PartitionKey: "node-1", Data: []byte(`{"t":21.5}` + "\n")},
			{PartitionKey: "node-2", Data: []byte(`{"t":19.0}` + "\n")},
		},
	}
	objs, err := l.Objects(b)
	if err != nil {
		panic(err)
	}
	enc := object.NewEncoder(l.Compression())
	for _, o := range objs {
		var body bytes.Buffer
		if err := enc.Encode(&body, o.Records); err != nil {
			panic(err)
		}
		fmt.Println(o.Key[:len(o.Key)-39], len(o.Records), "record(s)")
	}
	// Output:
	// year=2024/device=node-1/to-cloud-1-2024-03-05-07-08-09- 1 record(s)
	// year=2024/device=node-2/to-cloud-1-2024-03-05-07-08-09- 1 record(s)
}
