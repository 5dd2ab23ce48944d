package mqtt

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/tidegate/tidegate/devices/ingest"
	"github.com/tidegate/tidegate/shards"
)

// A message that no subscription matches is acknowledged only once it is
// kept: dead-lettered with the reason, or relayed to a client subscribed to
// its topic. Nothing acknowledged vanishes.
func TestEmbeddedUnmatchedTopicIsKept(t *testing.T) {
	st := openStore(t)
	createStream(t, st, "sensors", shards.StreamConfig{Shards: 1})
	svc := startService(t, &Service{Config: Config{Listen: "127.0.0.1:0"}, Writer: newWriter(t, st)})
	addr := svc.Broker.Addr()

	// A client listening on cmd/#: messages there are the broker's to relay.
	got := make(chan string, 4)
	sub := publisher(t, addr, "listener")
	if tk := sub.Subscribe("cmd/#", 1, func(_ paho.Client, m paho.Message) { got <- string(m.Payload()) }); !tk.WaitTimeout(5*time.Second) || tk.Error() != nil {
		t.Fatal(tk.Error())
	}
	c := publisher(t, addr, "pub")
	for _, m := range []struct{ topic, payload string }{
		{"site/a/temp", "21.5"},        // no subscription, no listener
		{"cmd/valve-1", "open"},        // no subscription, a listener
		{"streams/sensors/dev-1", "x"}, // the default subscription
	} {
		if tk := c.Publish(m.topic, 1, false, m.payload); !tk.WaitTimeout(5*time.Second) || tk.Error() != nil {
			t.Fatalf("publish %s: %v", m.topic, tk.Error())
		}
	}
	select {
	case p := <-got:
		if p != "open" {
			t.Fatalf("listener got %q", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the listener got nothing")
	}
	dl, err := st.Stream(ingest.DefaultDeadLetterStream)
	if err != nil {
		t.Fatal(err)
	}
	recs := readAll(t, dl)
	if len(recs) != 1 {
		t.Fatalf("%d dead letters, want 1 (site/a/temp)", len(recs))
	}
	var d ingest.DeadLetter
	if err := json.Unmarshal(recs[0].Data, &d); err != nil {
		t.Fatal(err)
	}
	if d.Topic != "site/a/temp" || string(d.PayloadBase64) != "21.5" || !strings.Contains(d.Error, "no subscription matches") {
		t.Fatalf("dead letter %s", recs[0].Data)
	}
	if st := svc.Stats().Sources[EmbeddedSource]; st.Messages != 3 || st.Unmatched != 2 || st.Relayed != 1 || st.DeadLettered != 1 || st.Records != 1 {
		t.Fatalf("stats %+v", st)
	}
}
