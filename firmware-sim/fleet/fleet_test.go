package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"
)

func testConfig(broker string) Config {
	return Config{
		Broker:       broker,
		QoS:          1,
		Logger:       discardLogger(),
		ReconnectMin: 20 * time.Millisecond,
		ReconnectMax: 200 * time.Millisecond,
		AckTimeout:   2 * time.Second,
	}
}

func run(t *testing.T, cfg Config) Report {
	t.Helper()
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := f.Run(ctx); err != nil {
		t.Fatal(err)
	}
	return f.Report()
}

// jsonSeqs returns the seqs the broker received from device, in arrival order.
func jsonSeqs(t *testing.T, b *broker, device string) []uint64 {
	t.Helper()
	var seqs []uint64
	for _, pk := range b.rec.published(device) {
		if want := "streams/sensors/" + device; pk.TopicName != want {
			t.Fatalf("topic %q, want %q", pk.TopicName, want)
		}
		var r jsonReading
		if err := json.Unmarshal(pk.Payload, &r); err != nil {
			t.Fatalf("payload %q: %v", pk.Payload, err)
		}
		if r.Device != device {
			t.Fatalf("device %q on %s's connection", r.Device, device)
		}
		seqs = append(seqs, r.Seq)
	}
	return seqs
}

func TestQoS1AllArrive(t *testing.T) {
	b := startBroker(t, "", nil)
	const devices, count = 8, 60
	cfg := testConfig(b.url())
	cfg.Devices, cfg.Count, cfg.Rate = devices, count, 400
	rep := run(t, cfg)

	if rep.Acknowledged != devices*count || rep.Queued != 0 || rep.Dropped != 0 {
		t.Fatalf("report %+v", rep)
	}
	for i := range devices {
		id := fmt.Sprintf("node-%04d", i+1)
		if d := rep.Devices[id]; d.HighestSeq != count {
			t.Errorf("%s highest acknowledged seq %d, want %d", id, d.HighestSeq, count)
		}
		seqs := jsonSeqs(t, b, id)
		if len(seqs) != count {
			t.Fatalf("%s: broker got %d messages, want %d", id, len(seqs), count)
		}
		for j, s := range seqs {
			if s != uint64(j+1) {
				t.Fatalf("%s: message %d has seq %d; not contiguous", id, j, s)
			}
		}
	}
}

func TestBrokerRestartLosesNothing(t *testing.T) {
	b := startBroker(t, "", nil)
	const devices, count = 4, 120
	cfg := testConfig(b.url())
	cfg.Devices, cfg.Count, cfg.Rate = devices, count, 100 // 1.2 s of readings

	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- f.Run(t.Context()) }()

	time.Sleep(300 * time.Millisecond)
	b.stop()
	time.Sleep(500 * time.Millisecond) // readings pile up in the queues
	if q := f.Report().Queued; q < devices*20 {
		t.Errorf("only %d readings queued while the broker was down", q)
	}
	b2 := startBroker(t, b.addr, b.rec)

	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("fleet did not finish after the broker came back")
	}
	rep := f.Report()
	if rep.Acknowledged != devices*count || rep.Queued != 0 || rep.Dropped != 0 {
		t.Fatalf("report %+v", rep)
	}
	for i := range devices {
		id := fmt.Sprintf("node-%04d", i+1)
		seen := map[uint64]bool{}
		var last uint64
		for _, s := range jsonSeqs(t, b2, id) {
			if s < last && !seen[s] {
				t.Errorf("%s: seq %d arrived after %d for the first time: queue not oldest-first", id, s, last)
			}
			seen[s], last = true, max(last, s)
		}
		for s := uint64(1); s <= count; s++ {
			if !seen[s] {
				t.Errorf("%s: seq %d never arrived", id, s)
			}
		}
	}
}

func TestQueueFullDropsOldest(t *testing.T) {
	q := newQueue(3)
	for s := uint64(1); s <= 5; s++ {
		if dropped := q.push(reading{seq: s}); dropped != (s > 3) {
			t.Fatalf("push %d dropped=%v", s, dropped)
		}
	}
	for want := uint64(3); want <= 5; want++ {
		r, ok := q.peek()
		if !ok || r.seq != want {
			t.Fatalf("head %d %v, want %d", r.seq, ok, want)
		}
		q.remove(r.seq)
	}
	if q.len() != 0 {
		t.Fatal("queue not empty")
	}
}

func TestUnreachableBrokerQueuesAndDrops(t *testing.T) {
	cfg := testConfig("tcp://" + freeAddr(t))
	cfg.Count, cfg.Rate, cfg.QueueSize, cfg.FlushTimeout = 30, 1000, 10, 100*time.Millisecond
	rep := run(t, cfg)
	if rep.Generated != 30 || rep.Queued != 10 || rep.Dropped != 20 || rep.Acknowledged != 0 {
		t.Fatalf("report %+v", rep)
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"broker", func(c *Config) { c.Broker = "localhost" }},
		{"qos 2", func(c *Config) { c.QoS = 2 }},
		{"format", func(c *Config) { c.Format = "xml" }},
		{"topic without device", func(c *Config) { c.Topic = "streams/x" }},
		{"stream with slash", func(c *Config) { c.Stream = "a/b" }},
		{"negative count", func(c *Config) { c.Count = -1 }},
		{"too many devices", func(c *Config) { c.Devices = 10000 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig("tcp://127.0.0.1:1883")
			tt.edit(&cfg)
			if _, err := New(cfg); !errors.Is(err, ErrConfig) {
				t.Fatalf("got %v, want ErrConfig", err)
			}
		})
	}
	cfg := testConfig("tcp://127.0.0.1:1883")
	cfg.Topic = "site/{stream}/{device}/env"
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.cfg.deviceTopic("node-0007"); got != "site/sensors/node-0007/env" {
		t.Fatalf("topic %q", got)
	}
}

func TestJSONPayload(t *testing.T) {
	n := newNode(&Config{Seed: 1, Logger: discardLogger()}, 0)
	r := reading{seq: 42, sample: n.src.At(time.UnixMilli(1732770000123))}
	b := encodeJSON("node-0001", r)
	if len(b) < 80 || len(b) > 140 {
		t.Fatalf("payload of %d bytes: %s", len(b), b)
	}
	var got jsonReading
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Seq != 42 || got.TS != 1732770000123 || got.Temperature < -10 || got.Temperature > 40 ||
		got.Pressure < 95000 || got.Pressure > 105000 || got.Battery < 3 || got.Battery > 4.3 {
		t.Fatalf("implausible reading %s", b)
	}
}
