package mqtt

import (
	"strconv"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/tidegate/tidegate/shards"
)

// TestExternalOrder publishes 2,000 QoS 1 messages of one device on one
// topic and checks that the external path stores them in publish order:
// stored concurrently, they could land out of order.
func TestExternalOrder(t *testing.T) {
	brokers := []struct {
		name  string
		start func(t *testing.T) string
	}{
		{"mochi", func(t *testing.T) string {
			ext, err := NewBroker(BrokerOptions{Listen: "127.0.0.1:0"})
			if err != nil {
				t.Fatal(err)
			}
			if err := ext.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ext.Close() })
			return ext.Addr()
		}},
		{"mosquitto", startMosquitto},
	}
	for _, b := range brokers {
		t.Run(b.name, func(t *testing.T) {
			testExternalOrder(t, b.start(t))
		})
	}
}

func testExternalOrder(t *testing.T, addr string) {
	st := openStore(t)
	sensors := createStream(t, st, "sensors", shards.StreamConfig{Shards: 2})
	svc := startService(t, &Service{Writer: newWriter(t, st), Config: Config{
		Listen:        "-",
		Brokers:       []BrokerConfig{{Name: "ext", URL: "tcp://" + addr, ClientID: "tidegate-order"}},
		Subscriptions: []SubscriptionConfig{{Broker: "ext", Topic: "site/+/data", Stream: "sensors", Device: "{1}", QoS: 1}},
	}})
	pub := publisher(t, addr, "order-pub")
	waitFor(t, 10*time.Second, "subscription", func() bool {
		pub.Publish("site/probe/data", 1, false, "probe").WaitTimeout(time.Second)
		return svc.Stats().Sources["ext"].Records > 0
	})

	const total = 2000
	tokens := make([]paho.Token, 0, total)
	for i := range total {
		tokens = append(tokens, pub.Publish("site/dev-1/data", 1, false, strconv.Itoa(i)))
	}
	for _, tk := range tokens {
		if !tk.WaitTimeout(20*time.Second) || tk.Error() != nil {
			t.Fatalf("publish: %v", tk.Error())
		}
	}
	var got []int
	waitFor(t, 15*time.Second, "all messages", func() bool {
		got = got[:0]
		for _, r := range readAll(t, sensors) {
			if r.PartitionKey != "dev-1" {
				continue
			}
			n, err := strconv.Atoi(string(r.Data))
			if err != nil {
				t.Fatalf("record %q: %v", r.Data, err)
			}
			got = append(got, n)
		}
		return len(got) >= total
	})
	if len(got) != total {
		t.Fatalf("stored %d records for %d messages", len(got), total)
	}
	for i, n := range got {
		if n != i {
			t.Fatalf("record %d holds message %d: out of order or missing (around: %v)", i, n, got[max(0, i-3):min(len(got), i+4)])
		}
	}
}

// TestEmbeddedOrder: one client's messages through the embedded broker are
// stored in publish order too, although several are stored at a time.
func TestEmbeddedOrder(t *testing.T) {
	st := openStore(t)
	sensors := createStream(t, st, "sensors", shards.StreamConfig{Shards: 2})
	svc := startService(t, &Service{Writer: newWriter(t, st), Config: Config{Listen: "127.0.0.1:0"}})
	pub := publisher(t, svc.Broker.Addr(), "order-pub")
	const total = 2000
	tokens := make([]paho.Token, 0, total)
	for i := range total {
		tokens = append(tokens, pub.Publish("streams/sensors/dev-1", 1, false, strconv.Itoa(i)))
	}
	for _, tk := range tokens {
		if !tk.WaitTimeout(20*time.Second) || tk.Error() != nil {
			t.Fatalf("publish: %v", tk.Error())
		}
	}
	recs := readAll(t, sensors)
	if len(recs) != total {
		t.Fatalf("stored %d records for %d messages", len(recs), total)
	}
	for i, r := range recs {
		if string(r.Data) != strconv.Itoa(i) {
			t.Fatalf("record %d is %q: out of publish order", i, r.Data)
		}
	}
}
