package gateway

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Deliveries to the distributed logs, written in the configuration file:
// Kafka (an in-process kfake cluster) with the partition key as the record
// key, and NATS JetStream (an in-process nats-server).
func TestConfiguredDeliveriesReachKafkaAndNATS(t *testing.T) {
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "edge"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kc.Close)
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(ns.Shutdown)
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	jstream, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "EDGE", Subjects: []string{"edge.>"}})
	if err != nil {
		t.Fatal(err)
	}

	g := startGateway(t, testConfig(t, fmt.Sprintf(`
streams:
  - { name: sensors, shards: 2 }
deliveries:
  - name: to-kafka
    from: sensors
    to: { type: kafka, brokers: [%q], topic: edge }
    buffer: { interval: 0s }
  - name: to-nats
    from: sensors
    to: { type: nats, url: %q, subject: "edge.{partition_key}" }
    buffer: { interval: 0s }
`, kc.ListenAddrs()[0], ns.ClientURL())))
	s, _ := g.Store().Stream("sensors")
	putN(t, s, 0, 200)
	for _, name := range []string{"to-kafka", "to-nats"} {
		waitFor(t, name+" delivering 200", func() bool {
			st, err := g.Deliveries().Status(name)
			return err == nil && st.RecordsDelivered == 200
		})
	}

	cl, err := kgo.NewClient(kgo.SeedBrokers(kc.ListenAddrs()...), kgo.ConsumeTopics("edge"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	got := map[string]string{}
	for len(got) < 200 && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { got[string(r.Value)] = string(r.Key) })
	}
	for i := 0; i < 200; i++ {
		if key := got[fmt.Sprintf(`{"n":%d}`, i)]; key != fmt.Sprintf("dev%d", i%9) {
			t.Fatalf("kafka: record %d under key %q", i, key)
		}
	}
	info, err := jstream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 200 {
		t.Errorf("nats: the stream holds %d messages, want 200", info.State.Msgs)
	}
	subjects, err := jstream.Info(ctx, jetstream.WithSubjectFilter("edge.dev3"))
	if err != nil {
		t.Fatal(err)
	}
	if n := subjects.State.Subjects["edge.dev3"]; n != 22 { // 3, 12, …, 192
		t.Errorf("nats: %d messages on edge.dev3, want 22", n)
	}
}
