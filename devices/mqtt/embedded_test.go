package mqtt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/tidegate/tidegate/devices/decode"
	"github.com/tidegate/tidegate/devices/ingest"
	"github.com/tidegate/tidegate/shards"
)

func TestEmbeddedQoS1Stored(t *testing.T) {
	st := openStore(t)
	sensors := createStream(t, st, "sensors", shards.StreamConfig{Shards: 4})
	obs := &observer{seen: make(chan string, 1)}
	svc := startService(t, &Service{Config: Config{Listen: "127.0.0.1:0"}, Writer: newWriter(t, st), Observer: obs})
	addr := svc.Broker.Addr()

	const publishers, each = 8, 250
	var wg sync.WaitGroup
	for p := range publishers {
		c := publisher(t, addr, fmt.Sprintf("pub-%d", p))
		wg.Go(func() {
			tokens := make([]paho.Token, 0, each)
			for i := range each {
				dev := fmt.Sprintf("dev-%d", (p*each+i)%50)
				tokens = append(tokens, c.Publish("streams/sensors/"+dev, 1, false, dev+"/"+fmt.Sprint(p*each+i)))
			}
			for _, tk := range tokens {
				if !tk.WaitTimeout(20*time.Second) || tk.Error() != nil {
					t.Errorf("publish: %v", tk.Error())
					return
				}
			}
		})
	}
	wg.Wait()
	// Every PUBACK came after the record was durable: all are readable now.
	recs := readAll(t, sensors)
	if len(recs) != publishers*each {
		t.Fatalf("stored %d records, want %d", len(recs), publishers*each)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		dev, _, _ := strings.Cut(string(r.Data), "/")
		if r.PartitionKey != dev {
			t.Fatalf("record %q has partition key %q", r.Data, r.PartitionKey)
		}
		seen[string(r.Data)] = true
	}
	if len(seen) != publishers*each {
		t.Fatalf("%d distinct records, want %d", len(seen), publishers*each)
	}
	if got := svc.Stats().Sources[EmbeddedSource]; got.Messages != publishers*each || got.Records != publishers*each {
		t.Errorf("stats %+v", got)
	}
	select {
	case s := <-obs.seen:
		if !strings.HasPrefix(s, "dev-") || !strings.HasSuffix(s, "@embedded") {
			t.Errorf("observer saw %q", s)
		}
	default:
		t.Error("observer saw nothing")
	}
}

func TestEmbeddedPubackAfterDurable(t *testing.T) {
	st := openStore(t)
	sensors := createStream(t, st, "sensors", shards.StreamConfig{Shards: 1})
	bs := &blockingWriter{Writer: newWriter(t, st), entered: make(chan struct{}, 1), release: make(chan struct{})}
	svc := startService(t, &Service{Config: Config{Listen: "127.0.0.1:0"}, Writer: bs})
	c := publisher(t, svc.Broker.Addr(), "pub")

	tk := c.Publish("streams/sensors/dev-1", 1, false, "21.5")
	<-bs.entered
	if tk.WaitTimeout(300 * time.Millisecond) {
		t.Fatal("PUBACK arrived while the writer was still storing the message")
	}
	close(bs.release)
	if !tk.WaitTimeout(5*time.Second) || tk.Error() != nil {
		t.Fatalf("no PUBACK after the writer returned: %v", tk.Error())
	}
	if n := len(readAll(t, sensors)); n != 1 {
		t.Fatalf("stored %d records, want 1", n)
	}
}

func TestEmbeddedStreamFullNotAcked(t *testing.T) {
	st := openStore(t)
	full := createStream(t, st, "full", shards.StreamConfig{Shards: 1, MaxBytes: 1 << 20, OnFull: shards.RejectNew})
	// Fill it with ever smaller records until even a tiny one is refused.
	for size := 64 << 10; size >= 1; size /= 4 {
		for i := 0; ; i++ {
			_, err := full.PutRecord(context.Background(), shards.PutEntry{PartitionKey: "f", Data: make([]byte, size)})
			if errors.Is(err, shards.ErrStreamFull) {
				break
			}
			if err != nil || i > 100000 {
				t.Fatalf("filling: %v after %d records", err, i)
			}
		}
	}
	before := len(readAll(t, full))
	w := newWriter(t, st)
	svc := startService(t, &Service{Config: Config{Listen: "127.0.0.1:0"}, Writer: w})
	addr := svc.Broker.Addr()

	// No PUBACK: the broker ends the connection instead. (A paho token is
	// no witness after a reconnect: paho completes the token of a message
	// it resends, without error, when it resends it — messageids.go
	// claimID. So this client does not reconnect.)
	once := publisher(t, addr, "once", func(o *paho.ClientOptions) { o.SetAutoReconnect(false) })
	tk := once.Publish("streams/full/dev-1", 1, false, "refused")
	if !tk.WaitTimeout(5 * time.Second) {
		t.Fatal("connection not ended")
	}
	if tk.Error() == nil {
		t.Fatal("a message the stream refused was acknowledged")
	}
	t.Logf("publisher saw: %v", tk.Error())
	if got := svc.Stats().Sources[EmbeddedSource]; got.Refused != 1 {
		t.Fatalf("refusal not counted: %+v", got)
	}

	// A reconnecting client redelivers until the stream takes it.
	c := publisher(t, addr, "pub")
	c.Publish("streams/full/dev-1", 1, false, "kept")
	waitFor(t, 10*time.Second, "redeliveries", func() bool { return svc.Stats().Sources[EmbeddedSource].Refused >= 3 })
	if n := w.Stats().DeadLetters; n != 0 {
		t.Fatalf("a refused message went to the dead-letter stream (%d)", n)
	}
	if n := len(readAll(t, full)); n != before {
		t.Fatalf("stream grew from %d to %d records while full", before, n)
	}

	// Free space: the client, disconnected, reconnects and redelivers.
	if err := full.Reconfigure(func(c *shards.StreamConfig) { c.MaxBytes = 0 }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "the redelivered message", func() bool {
		for _, r := range readAll(t, full) {
			if string(r.Data) == "kept" {
				return true
			}
		}
		return false
	})
	if n := len(readAll(t, full)); n < before+1 {
		t.Fatalf("stream has %d records, want at least %d", n, before+1)
	}
	t.Logf("refused %d times before it was stored", svc.Stats().Sources[EmbeddedSource].Refused)
}

func TestEmbeddedDeadLetters(t *testing.T) {
	st := openStore(t)
	createStream(t, st, "sensors", shards.StreamConfig{Shards: 1})
	w := newWriter(t, st)
	svc := startService(t, &Service{
		Config: Config{Listen: "127.0.0.1:0", Subscriptions: []SubscriptionConfig{
			DefaultSubscriptions()[0],
			{Topic: "things/+/temp", Stream: "sensors", Device: "{1}", Decoder: decode.Spec{Type: "number", Config: &decode.Number{}}},
		}},
		Writer: w,
	})
	c := publisher(t, svc.Broker.Addr(), "pub")
	for _, m := range []struct{ topic, payload string }{
		{"streams/nosuch/dev-1", "x"},
		{"things/t1/temp", "warm"},
		{"things/t1/temp", "21.5"},
	} {
		if tk := c.Publish(m.topic, 1, false, m.payload); !tk.WaitTimeout(5*time.Second) || tk.Error() != nil {
			t.Fatalf("publish %s: %v", m.topic, tk.Error())
		}
	}
	dl, err := st.Stream(ingest.DefaultDeadLetterStream)
	if err != nil {
		t.Fatal(err)
	}
	recs := readAll(t, dl)
	if len(recs) != 2 {
		t.Fatalf("%d dead letters, want 2", len(recs))
	}
	want := map[string]string{"streams/nosuch/dev-1": "not found", "things/t1/temp": "not a number"}
	for _, r := range recs {
		var d ingest.DeadLetter
		if err := json.Unmarshal(r.Data, &d); err != nil {
			t.Fatal(err)
		}
		if d.Source != EmbeddedSource || !strings.Contains(d.Error, want[d.Topic]) || want[d.Topic] == "" {
			t.Errorf("dead letter %s", r.Data)
		}
	}
	s, _ := st.Stream("sensors")
	if recs := readAll(t, s); len(recs) != 1 || string(recs[0].Data) != `{"value":21.5}` || recs[0].PartitionKey != "t1" {
		t.Fatalf("sensors: %v", recs)
	}
	if got := svc.Stats().Sources[EmbeddedSource]; got.DeadLettered != 2 || got.Records != 1 {
		t.Errorf("stats %+v", got)
	}
}

func TestBrokerAuth(t *testing.T) {
	if _, err := NewBroker(BrokerOptions{Listen: "0.0.0.0:0"}); err == nil || !strings.Contains(err.Error(), "not loopback") {
		t.Fatalf("anonymous on 0.0.0.0: %v", err)
	}
	if _, err := NewBroker(BrokerOptions{Listen: "127.0.0.1:0", TLS: TLSConfig{Listen: "[::]:0", CertFile: "c", KeyFile: "k"}}); err == nil {
		t.Fatal("anonymous TLS listener on [::] accepted")
	}
	b, err := NewBroker(BrokerOptions{Listen: "0.0.0.0:0", Users: []User{{"dev", "s3cret"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	_, port, _ := strings.Cut(b.Addr(), "]:")
	if port == "" {
		_, port, _ = strings.Cut(b.Addr(), ":")
	}
	addr := "127.0.0.1:" + port
	for _, tc := range []struct {
		user, pass string
		ok         bool
	}{{"dev", "s3cret", true}, {"dev", "wrong", false}, {"", "", false}, {"other", "s3cret", false}} {
		t.Run(tc.user+":"+tc.pass, func(t *testing.T) {
			c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID("c").
				SetUsername(tc.user).SetPassword(tc.pass).SetAutoReconnect(false))
			tk := c.Connect()
			if !tk.WaitTimeout(5 * time.Second) {
				t.Fatal("connect timed out")
			}
			if (tk.Error() == nil) != tc.ok {
				t.Fatalf("connect error %v, want ok=%v", tk.Error(), tc.ok)
			}
			c.Disconnect(0)
		})
	}
}
