package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/tidegate/tidegate/devices/ingest"
	"github.com/tidegate/tidegate/devices/mqtt"
	"github.com/tidegate/tidegate/devices/sparkplug"
	"github.com/tidegate/tidegate/firmware-sim/fleet"
)

// TestSparkplugFleetThroughTheGateway: simulated Sparkplug B edge nodes
// publish births and aliased data to the embedded broker; the gateway
// stores readings with names resolved, knows the nodes, and marks them
// offline when they die.
func TestSparkplugFleetThroughTheGateway(t *testing.T) {
	g := startGateway(t, testConfig(t, `streams: [{name: plant, shards: 1}]
mqtt:
  subscriptions: [{topic: "spBv1.0/#", stream: plant, decoder: {type: sparkplug}}]
`))
	f, err := fleet.New(fleet.Config{Broker: "tcp://" + g.MQTTAddr(), Devices: 3, Rate: 50, QoS: 1, Count: 20,
		Format: fleet.FormatSparkplug, Group: "plant", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := f.Run(ctx); err != nil {
		t.Fatal(err)
	}
	s, _ := g.Store().Stream("plant")
	if n := s.Stats().RecordsIn; n < 3*20 {
		t.Fatalf("%d readings stored, want at least %d (births and data)", n, 3*20)
	}
	recs := readAllRecords(t, s)
	var data int
	for _, r := range recs {
		if r.PartitionKey != "plant/node-0001" && r.PartitionKey != "plant/node-0002" && r.PartitionKey != "plant/node-0003" {
			t.Fatalf("record keyed %q", r.PartitionKey)
		}
		if contains(string(r.Data), `"temperature"`) {
			data++
		}
	}
	if data < 3*20 {
		t.Fatalf("%d readings name their metrics (aliases resolved), want %d", data, 3*20)
	}
	// The fleet ended its sessions with NDEATH: the nodes are offline.
	deadline := time.Now().Add(5 * time.Second)
	for {
		d, ok := g.Devices().Get("plant/node-0001")
		if ok && !d.Online {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node still online after its death: %+v", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSparkplugSequenceGapRequestsRebirth: a node that skips a sequence
// number is asked to rebirth with an NCMD on the embedded broker.
func TestSparkplugSequenceGapRequestsRebirth(t *testing.T) {
	g := startGateway(t, testConfig(t, `streams: [{name: plant, shards: 1}]
mqtt:
  subscriptions: [{topic: "spBv1.0/#", stream: plant, decoder: {type: sparkplug}}]
`))
	c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + g.MQTTAddr()).SetClientID("edge-1"))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(100)
	cmds := make(chan string, 4)
	c.Subscribe("spBv1.0/plant/NCMD/#", 1, func(_ paho.Client, m paho.Message) { cmds <- m.Topic() }).Wait()

	u := func(v uint64) *uint64 { return &v }
	pub := func(kind string, p sparkplug.Payload) {
		t.Helper()
		if tok := c.Publish("spBv1.0/plant/"+kind+"/edge-1", 1, false, sparkplug.Encode(p)); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
	}
	now := uint64(time.Now().UnixMilli())
	pub("NBIRTH", sparkplug.Payload{Timestamp: now, Seq: u(0), Metrics: []sparkplug.Metric{
		{Name: "bdSeq", Datatype: sparkplug.UInt64, Value: uint64(0)},
		{Name: "temperature", Alias: u(1), Datatype: sparkplug.Double, Value: 20.5},
	}})
	pub("NDATA", sparkplug.Payload{Timestamp: now, Seq: u(1), Metrics: []sparkplug.Metric{{Alias: u(1), Datatype: sparkplug.Double, Value: 21.0}}})
	select {
	case topic := <-cmds:
		t.Fatalf("rebirth requested without a gap: %s", topic)
	case <-time.After(200 * time.Millisecond):
	}
	pub("NDATA", sparkplug.Payload{Timestamp: now, Seq: u(3), Metrics: []sparkplug.Metric{{Alias: u(1), Datatype: sparkplug.Double, Value: 21.5}}})
	select {
	case topic := <-cmds:
		if topic != "spBv1.0/plant/NCMD/edge-1" {
			t.Fatalf("rebirth on %s", topic)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no rebirth request after a sequence gap")
	}
}

// TestSparkplugOnADefaultGateway: with no configuration at all, a Sparkplug B
// edge node pointed at the gateway (firmware-sim sensors --format sparkplug)
// has its data decoded into the stream "sparkplug"; nothing is acknowledged
// and then lost, and nothing goes to the dead-letter stream.
func TestSparkplugOnADefaultGateway(t *testing.T) {
	g := startGateway(t, testConfig(t, ""))
	f, err := fleet.New(fleet.Config{Broker: "tcp://" + g.MQTTAddr(), Devices: 3, Rate: 50, QoS: 1, Count: 16,
		Format: fleet.FormatSparkplug, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := f.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if r := f.Report(); r.Acknowledged == 0 {
		t.Fatalf("the fleet had nothing acknowledged: %+v", r)
	}
	s, err := g.Store().Stream(mqtt.DefaultSparkplugStream)
	if err != nil {
		t.Fatalf("the default Sparkplug stream: %v", err)
	}
	var data int
	for _, r := range readAllRecords(t, s) {
		if !strings.HasPrefix(r.PartitionKey, "tidegate/node-000") {
			t.Fatalf("record keyed %q, want {group}/{node}", r.PartitionKey)
		}
		if strings.Contains(string(r.Data), `"temperature"`) {
			data++
		}
	}
	if data < 3*16 {
		t.Fatalf("%d readings with their metric names stored, want at least %d", data, 3*16)
	}
	dl, err := g.Store().Stream(ingest.DefaultDeadLetterStream)
	if err != nil {
		t.Fatal(err)
	}
	if recs := readAllRecords(t, dl); len(recs) != 0 {
		t.Fatalf("%d messages dead-lettered, first %s", len(recs), recs[0].Data)
	}
	if st := g.mqtt.Stats().Sources[mqtt.EmbeddedSource]; st.Unmatched != 0 || st.Refused != 0 {
		t.Fatalf("embedded broker stats %+v", st)
	}
	if _, ok := g.Devices().Get("tidegate/node-0001"); !ok {
		t.Fatal("the edge node is not in the device registry")
	}
}

// TestDeviceRegistrySurvivesARestart: a device seen before a restart is still
// listed after it, with its count and last values.
func TestDeviceRegistrySurvivesARestart(t *testing.T) {
	cfg := testConfig(t, "streams: [{name: sensors}]\n")
	g := New(cfg, testLogger(), "test")
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + g.MQTTAddr()).SetClientID("dev-17"))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	for range 3 {
		if tok := c.Publish("streams/sensors/dev-17", 1, false, `{"t":21.5}`); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
	}
	c.Disconnect(100)
	if err := g.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	g2 := startGateway(t, cfg)
	d, ok := g2.Devices().Get("dev-17")
	if !ok || d.Messages != 3 || d.Source != "embedded" {
		t.Fatalf("after the restart: %+v, %v", d, ok)
	}
}

// TestUnmatchedMQTTIsCountedOnMetrics: a message no subscription matches is
// dead-lettered and shows on /metrics, so that it is seen, not lost.
func TestUnmatchedMQTTIsCountedOnMetrics(t *testing.T) {
	g := startGateway(t, testConfig(t, ""))
	c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + g.MQTTAddr()).SetClientID("stray"))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(100)
	if tok := c.Publish("site/a/temp", 1, false, "21.5"); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	dl, _ := g.Store().Stream(ingest.DefaultDeadLetterStream)
	if n := len(readAllRecords(t, dl)); n != 1 {
		t.Fatalf("%d dead letters, want 1", n)
	}
	_, body := get(t, http.DefaultClient, "http://"+g.Addr().String()+"/metrics")
	for _, want := range []string{
		`tidegate_mqtt_messages_total{outcome="unmatched",source="embedded"} 1`,
		`tidegate_mqtt_messages_total{outcome="dead_lettered",source="embedded"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
