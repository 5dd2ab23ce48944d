package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/tidegate/tidegate/gateway"
	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/shards"
)

// MQTTOptions configures the MQTT ingest benchmark.
type MQTTOptions struct {
	Dir       string        // where the gateway keeps its temporary data
	Devices   int           // concurrent MQTT connections, one device each
	Window    int           // QoS 1 publishes in flight per device
	Duration  time.Duration // how long the devices publish
	Mosquitto string        // mosquitto binary; "" looks it up on PATH and in /usr/sbin
}

// DefaultMQTTOptions are the settings the targets are stated for.
func DefaultMQTTOptions() MQTTOptions {
	return MQTTOptions{Dir: ".", Devices: 500, Window: 16, Duration: 10 * time.Second}
}

// MQTTResult is what `tidegate bench mqtt --json` prints.
type MQTTResult struct {
	EmbeddedMessagesPerSec  float64 `json:"embedded_messages_per_s"`
	EmbeddedP99Ms           float64 `json:"embedded_p99_ms"`
	MosquittoMessagesPerSec float64 `json:"mosquitto_messages_per_s,omitempty"`
	MosquittoP99Ms          float64 `json:"mosquitto_p99_ms,omitempty"`

	EmbeddedStored  int64   `json:"embedded_stored"`
	MosquittoStored int64   `json:"mosquitto_stored,omitempty"`
	Devices         int     `json:"devices"`
	Window          int     `json:"window"`
	DurationSec     float64 `json:"duration_s"`
	MosquittoSkip   string  `json:"mosquitto_skipped,omitempty"`
}

// MQTT measures publishers → broker → gateway → durable record, through
// the embedded broker and, when installed, an external Mosquitto. Latency
// is from the publish (a timestamp in the payload) to the record being
// readable from the stream, which is after its fsync.
func MQTT(ctx context.Context, o MQTTOptions) (MQTTResult, error) {
	if o.Devices < 1 || o.Window < 1 || o.Duration <= 0 {
		return MQTTResult{}, errors.New("bench: mqtt: devices, window and duration must be positive")
	}
	res := MQTTResult{Devices: o.Devices, Window: o.Window, DurationSec: o.Duration.Seconds()}
	rate, p99, n, err := mqttRun(ctx, o, "")
	if err != nil {
		return res, fmt.Errorf("bench: mqtt: embedded: %w", err)
	}
	res.EmbeddedMessagesPerSec, res.EmbeddedP99Ms, res.EmbeddedStored = rate, p99, n

	bin := o.Mosquitto
	if bin == "" {
		bin, _ = exec.LookPath("mosquitto")
		if bin == "" {
			if _, err := os.Stat("/usr/sbin/mosquitto"); err == nil {
				bin = "/usr/sbin/mosquitto"
			}
		}
	}
	if bin == "" {
		res.MosquittoSkip = "mosquitto not installed (make deps installs it)"
		return res, nil
	}
	addr, stop, err := runMosquitto(o.Dir, bin)
	if err != nil {
		return res, fmt.Errorf("bench: mqtt: %w", err)
	}
	defer stop()
	rate, p99, n, err = mqttRun(ctx, o, addr)
	if err != nil {
		return res, fmt.Errorf("bench: mqtt: mosquitto: %w", err)
	}
	res.MosquittoMessagesPerSec, res.MosquittoP99Ms, res.MosquittoStored = rate, p99, n
	return res, nil
}

// mqttRun starts a gateway (subscribed to the external broker at ext, or
// with its embedded broker when ext is ""), runs the publishers, and counts
// what lands in the stream.
func mqttRun(ctx context.Context, o MQTTOptions, ext string) (rate, p99Ms float64, stored int64, err error) {
	tmp, err := os.MkdirTemp(o.Dir, "tidegate-bench-mqtt-*")
	if err != nil {
		return 0, 0, 0, err
	}
	defer os.RemoveAll(tmp)
	yaml := "streams: [{name: bench, shards: 4}]\nmqtt: {listen: \"127.0.0.1:0\"}\n"
	if ext != "" {
		yaml = fmt.Sprintf("streams: [{name: bench, shards: 4}]\nmqtt:\n  listen: \"-\"\n  brokers: [{name: ext, url: \"tcp://%s\", client_id: tidegate-bench}]\n"+
			"  subscriptions: [{broker: ext, topic: streams/+/+, stream: \"{1}\", device: \"{2}\", qos: 1}]\n", ext)
	}
	cfg, err := config.Parse("bench.yaml", []byte(yaml), nil)
	if err != nil {
		return 0, 0, 0, err
	}
	cfg.DataDir, cfg.Listen.HTTP = tmp, "127.0.0.1:0"
	g := gateway.New(cfg, slog.New(slog.DiscardHandler), "bench")
	if err := g.Start(ctx); err != nil {
		return 0, 0, 0, err
	}
	defer g.Shutdown(context.Background())
	s, err := g.Store().Stream("bench")
	if err != nil {
		return 0, 0, 0, err
	}
	broker := ext
	if broker == "" {
		broker = g.MQTTAddr()
	}

	var lat Latencies
	var count atomic.Int64
	readCtx, stopReading := context.WithCancel(ctx)
	var readers sync.WaitGroup
	for _, sh := range s.Shards() {
		readers.Add(1)
		go func() {
			defer readers.Done()
			readStored(readCtx, s, sh.ShardID, &count, &lat)
		}()
	}

	clients, err := connectDevices(broker, o.Devices)
	if err != nil {
		stopReading()
		return 0, 0, 0, err
	}
	before := count.Load()
	start := time.Now()
	publish(ctx, clients, o)
	// Count what the gateway stores during the run and the drain that follows
	// (messages acknowledged by Mosquitto may still be on their way).
	for last, quiet := int64(-1), 0; quiet < 3; time.Sleep(100 * time.Millisecond) {
		if n := count.Load(); n == last {
			quiet++
		} else {
			last, quiet = n, 0
		}
	}
	elapsed := time.Since(start) - 300*time.Millisecond
	stored = count.Load() - before
	for _, c := range clients {
		c.Disconnect(100)
	}
	stopReading()
	readers.Wait()
	return float64(stored) / elapsed.Seconds(), float64(lat.Percentile(99)) / float64(time.Millisecond), stored, nil
}

// benchPayload is about 100 bytes of JSON, like a sensor node's reading.
type benchPayload struct {
	Device string  `json:"device"`
	Seq    int     `json:"seq"`
	TS     int64   `json:"ts"` // publish time, Unix ns
	T      float64 `json:"t"`
	H      float64 `json:"h"`
	P      float64 `json:"p"`
}

func connectDevices(broker string, n int) ([]paho.Client, error) {
	clients := make([]paho.Client, n)
	for i := range clients {
		opts := paho.NewClientOptions().AddBroker("tcp://" + broker).SetClientID(fmt.Sprintf("bench-%04d", i)).
			SetCleanSession(true).SetAutoReconnect(false).SetMaxResumePubInFlight(64)
		c := paho.NewClient(opts)
		if t := c.Connect(); !t.WaitTimeout(10*time.Second) || t.Error() != nil {
			return nil, fmt.Errorf("connect device %d: %v", i, t.Error())
		}
		clients[i] = c
	}
	return clients, nil
}

// publish runs every device for o.Duration, each keeping o.Window QoS 1
// publishes in flight.
func publish(ctx context.Context, clients []paho.Client, o MQTTOptions) {
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			topic := fmt.Sprintf("streams/bench/dev-%04d", i)
			var inflight []paho.Token
			for seq := 0; ctx.Err() == nil; seq++ {
				if len(inflight) == o.Window {
					inflight[0].WaitTimeout(5 * time.Second)
					inflight = inflight[1:]
				}
				b, _ := json.Marshal(benchPayload{Device: fmt.Sprintf("dev-%04d", i), Seq: seq, TS: time.Now().UnixNano(), T: 21.53, H: 48.2, P: 101325.1})
				inflight = append(inflight, c.Publish(topic, 1, false, b))
			}
			for _, t := range inflight {
				t.WaitTimeout(5 * time.Second)
			}
		}()
	}
	wg.Wait()
}

// readStored follows a shard, counting records and their publish-to-stored latency.
func readStored(ctx context.Context, s *shards.Stream, shard string, count *atomic.Int64, lat *Latencies) {
	c, err := s.Iterator(shard, shards.Latest, "", time.Time{})
	if err != nil {
		return
	}
	var mine []time.Duration
	defer func() { lat.Merge(mine) }()
	for {
		res, err := s.ReadWait(ctx, c, shards.MaxRecordsPerRead)
		if err != nil {
			return
		}
		now := time.Now()
		for _, r := range res.Records {
			var p benchPayload
			if json.Unmarshal(r.Data, &p) == nil && p.TS > 0 {
				mine = append(mine, now.Sub(time.Unix(0, p.TS)))
			}
		}
		count.Add(int64(len(res.Records)))
		c = res.Next
	}
}

// runMosquitto starts Mosquitto on a free loopback port, keeping QoS 1
// messages for the gateway's session without limit.
func runMosquitto(dir, bin string) (addr string, stop func(), err error) {
	port, err := freeLoopbackPort()
	if err != nil {
		return "", nil, err
	}
	conf := filepath.Join(dir, fmt.Sprintf("tidegate-bench-mosquitto-%d.conf", port))
	body := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nmax_inflight_messages 0\n", port)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "-c", conf)
	if err := cmd.Start(); err != nil {
		os.Remove(conf)
		return "", nil, err
	}
	stop = func() { cmd.Process.Kill(); cmd.Wait(); os.Remove(conf) }
	addr = fmt.Sprintf("127.0.0.1:%d", port)
	for i := 0; i < 100; i++ {
		if dialable(addr) {
			return addr, stop, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return "", nil, errors.New("mosquitto did not start")
}
