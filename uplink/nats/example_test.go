package nats_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/nats"
)

func Example() {
	// An in-process nats-server with JetStream stands in for the real one.
	dir, err := os.MkdirTemp("", "jetstream")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true})
	if err != nil {
		panic(err)
	}
	srv.Start()
	defer srv.Shutdown()
	srv.ReadyForConnections(10 * time.Second)

	// The operator creates the stream; the sink never does.
	nc, err := natsgo.Connect(srv.ClientURL())
	if err != nil {
		panic(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	stream, err := js.CreateStream(context.Background(), jetstream.StreamConfig{
		Name: "READINGS", Subjects: []string{"tidegate.>"}, Duplicates: time.Hour,
	})
	if err != nil {
		panic(err)
	}

	sink, err := nats.New(context.Background(), nats.Config{
		URL:     srv.ClientURL(),
		Subject: "tidegate.{stream}.{partition_key}",
	})
	if err != nil {
		panic(err)
	}
	defer sink.Close()

	err = sink.Send(context.Background(), &uplink.Batch{
		ID:       "batch-1",
		Delivery: "to-nats",
		Records: []uplink.Record{
			{Stream: "sensors", Sequence: "1", PartitionKey: "device.1", Arrival: time.Now(), Data: []byte(`{"t":21.5}`)},
		},
	})
	fmt.Println("send:", err)

	msg, err := stream.GetMsg(context.Background(), 1)
	if err != nil {
		panic(err)
	}
	fmt.Println(msg.Subject, msg.Header.Get("Nats-Msg-Id"))
	// Output:
	// send: <nil>
	// tidegate.sensors.device_1 to-nats:sensors:1
}
