package mqtt

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/shards"
)

func TestExternalMochi(t *testing.T) {
	ext, err := NewBroker(BrokerOptions{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ext.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ext.Close() })
	testExternal(t, ext.Addr(), false)
}

// TestExternalMochiRestart: mochi (the embedded broker's engine) as the
// external broker, while the gateway's subscription reconnects. mochi
// loses messages routed to a session while a reconnecting client takes it
// over (inheritClientSession copies the old connection's queue, clears it,
// and only then lists the new connection); takeoverHook hands them over.
func TestExternalMochiRestart(t *testing.T) {
	ext, err := NewBroker(BrokerOptions{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ext.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ext.Close() })
	testExternal(t, ext.Addr(), true)
}

func TestExternalMosquitto(t *testing.T) {
	testExternal(t, startMosquitto(t), true)
}

// startMosquitto runs a Mosquitto for the test and returns its address;
// it skips the test when Mosquitto is not installed, except under CI.
func startMosquitto(t *testing.T) string {
	return peer.Mosquitto(t, peer.MosquittoOptions{MaxInflight: 100})
}

// testExternal subscribes through a broker at addr, publishes 2,000 QoS 1
// messages, restarts the subscribing side half way, and checks that every
// message is stored.
var restartPause = 500 * time.Millisecond

func testExternal(t *testing.T, addr string, restart bool) {
	st := openStore(t)
	sensors := createStream(t, st, "sensors", shards.StreamConfig{Shards: 2})
	w := newWriter(t, st)
	cfg := Config{
		Listen:        "-",
		Brokers:       []BrokerConfig{{Name: "ext", URL: "tcp://" + addr, ClientID: "tidegate-test"}},
		Subscriptions: []SubscriptionConfig{{Broker: "ext", Topic: "site/+/data", Stream: "sensors", Device: "{1}", QoS: 1}},
	}
	start := func() *Service {
		svc := &Service{Config: cfg, Writer: w}
		if err := svc.Initialize(); err != nil {
			t.Fatal(err)
		}
		return svc
	}
	svc := start()
	defer func() { svc.Close() }()

	pub := publisher(t, addr, "field-pub", func(o *paho.ClientOptions) { o.SetCleanSession(false) })
	// Wait until the subscription is in place: a probe gets stored.
	waitFor(t, 10*time.Second, "subscription", func() bool {
		pub.Publish("site/probe/data", 1, false, "probe").WaitTimeout(time.Second)
		return svc.Stats().Sources["ext"].Records > 0
	})

	const total = 2000
	var tokens []paho.Token
	for i := range total {
		tokens = append(tokens, pub.Publish(fmt.Sprintf("site/dev-%d/data", i%20), 1, false, strconv.Itoa(i)))
		if restart && i == total/2 {
			svc.Close() // mid-stream: the broker keeps our session's messages
			time.Sleep(restartPause)
			svc = start()
		}
	}
	for _, tk := range tokens {
		if !tk.WaitTimeout(20*time.Second) || tk.Error() != nil {
			t.Fatalf("publish: %v", tk.Error())
		}
	}
	var recs []shards.Record
	defer func() {
		if t.Failed() {
			seen := map[string]bool{}
			for _, r := range recs {
				seen[string(r.Data)] = true
			}
			var missing []int
			for i := range total {
				if !seen[strconv.Itoa(i)] {
					missing = append(missing, i)
				}
			}
			t.Logf("%d missing: %v", len(missing), missing[:min(len(missing), 20)])
		}
	}()
	waitFor(t, 15*time.Second, "all messages", func() bool {
		recs = readAll(t, sensors)
		seen := map[string]bool{}
		for _, r := range recs {
			seen[string(r.Data)] = true
		}
		return len(seen) == total+1 // and the probe
	})
	dups := len(recs) - (total + 1)
	t.Logf("stored %d records for %d messages: %d duplicates", len(recs), total+1, dups)
	for _, r := range recs {
		if r.PartitionKey == "" {
			t.Fatal("record without partition key")
		}
	}
}
