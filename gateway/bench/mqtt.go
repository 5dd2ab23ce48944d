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

// MQTTRun is what one broker's run measured.
type MQTTRun struct {
	MessagesPerSec float64 `json:"messages_per_s"` // stored ÷ seconds
	P99Ms          float64 `json:"p99_ms"`         // publish → record on disk
	// Published counts the messages the broker acknowledged (PUBACK):
	// each one the gateway must store.
	Published int64 `json:"published"`
	// Stored counts the records in the stream afterwards.
	Stored int64 `json:"stored"`
	// Lost is Published − Stored, which must be 0 (negative: more stored
	// than acknowledged, duplicates).
	Lost int64 `json:"lost"`
	// Seconds runs from the first publish to the last record durable.
	Seconds float64 `json:"s"`
}

// MQTTResult is what `tidegate bench mqtt --json` prints.
type MQTTResult struct {
	Embedded      MQTTRun  `json:"embedded"`
	Mosquitto     *MQTTRun `json:"mosquitto,omitempty"`
	MosquittoSkip string   `json:"mosquitto_skipped,omitempty"`
	Devices       int      `json:"devices"`
	Window        int      `json:"window"`
	DurationSec   float64  `json:"duration_s"` // how long the devices published
}

// ErrLost is the error of a run whose stream does not hold exactly the
// messages the broker acknowledged.
var ErrLost = errors.New("messages lost")

// Loss returns an error naming each run that lost messages (or stored
// more than were acknowledged), nil when none did.
func (r MQTTResult) Loss() error {
	var errs []error
	for name, run := range map[string]*MQTTRun{"embedded broker": &r.Embedded, "via mosquitto": r.Mosquitto} {
		if run != nil && run.Lost != 0 {
			errs = append(errs, fmt.Errorf("bench: mqtt: %s: %w: %d (%d published and acknowledged, %d stored)",
				name, ErrLost, run.Lost, run.Published, run.Stored))
		}
	}
	return errors.Join(errs...)
}

// MQTT measures publishers → broker → gateway → durable record, through
// the embedded broker and, when installed, an external Mosquitto. Latency
// is from the publish (a timestamp in the payload) to the record being
// readable from the stream, which is after its fsync. Each run counts the
// messages the broker acknowledged and the records stored: they must be
// equal (see Loss).
func MQTT(ctx context.Context, o MQTTOptions) (MQTTResult, error) {
	if o.Devices < 1 || o.Window < 1 || o.Duration <= 0 {
		return MQTTResult{}, errors.New("bench: mqtt: devices, window and duration must be positive")
	}
	res := MQTTResult{Devices: o.Devices, Window: o.Window, DurationSec: o.Duration.Seconds()}
	run, err := mqttRun(ctx, o, "")
	if err != nil {
		return res, fmt.Errorf("bench: mqtt: embedded: %w", err)
	}
	res.Embedded = run

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
	run, err = mqttRun(ctx, o, addr)
	if err != nil {
		return res, fmt.Errorf("bench: mqtt: mosquitto: %w", err)
	}
	res.Mosquitto = &run
	return res, nil
}

// drainTimeout bounds how long a run waits, after the last publish was
// acknowledged, for the gateway to store every acknowledged message: a
// broker may hold a queue of them (Mosquitto's toward one subscription).
const drainTimeout = time.Minute

// mqttRun starts a gateway (subscribed to the external broker at ext, or
// with its embedded broker when ext is ""), runs the publishers, and counts
// what lands in the stream.
func mqttRun(ctx context.Context, o MQTTOptions, ext string) (MQTTRun, error) {
	tmp, err := os.MkdirTemp(o.Dir, "tidegate-bench-mqtt-*")
	if err != nil {
		return MQTTRun{}, err
	}
	defer os.RemoveAll(tmp)
	yaml := "streams: [{name: bench, shards: 4}]\nmqtt: {listen: \"127.0.0.1:0\"}\n"
	if ext != "" {
		yaml = fmt.Sprintf("streams: [{name: bench, shards: 4}]\nmqtt:\n  listen: \"-\"\n  brokers: [{name: ext, url: \"tcp://%s\", client_id: tidegate-bench}]\n"+
			"  subscriptions: [{broker: ext, topic: streams/+/+, stream: \"{1}\", device: \"{2}\", qos: 1}]\n", ext)
	}
	cfg, err := config.Parse("bench.yaml", []byte(yaml), nil)
	if err != nil {
		return MQTTRun{}, err
	}
	cfg.DataDir, cfg.Listen.HTTP, cfg.RTSP.Listen = tmp, "127.0.0.1:0", "-"
	g := gateway.New(cfg, slog.New(slog.DiscardHandler), "bench")
	if err := g.Start(ctx); err != nil {
		return MQTTRun{}, err
	}
	defer g.Shutdown(context.Background())
	s, err := g.Store().Stream("bench")
	if err != nil {
		return MQTTRun{}, err
	}
	broker := ext
	if broker == "" {
		broker = g.MQTTAddr()
	}

	var f follow
	readCtx, stopReading := context.WithCancel(ctx)
	var readers sync.WaitGroup
	defer func() { stopReading(); readers.Wait() }()
	for _, sh := range s.Shards() {
		c, err := s.Iterator(sh.ShardID, shards.Latest, "", time.Time{})
		if err != nil {
			return MQTTRun{}, err
		}
		readers.Add(1)
		go func() {
			defer readers.Done()
			f.shard(readCtx, s, c)
		}()
	}

	if err := waitRoute(ctx, broker, &f); err != nil {
		return MQTTRun{}, err
	}
	clients, err := connectDevices(broker, o.Devices)
	defer func() {
		for _, c := range clients {
			if c != nil {
				c.Disconnect(100)
			}
		}
	}()
	if err != nil {
		return MQTTRun{}, err
	}
	first := time.Now()
	published, err := publish(ctx, clients, o)
	if err != nil {
		return MQTTRun{}, err
	}
	// Every acknowledged message must reach the stream; give up on the
	// rest after drainTimeout, which the count below then reports.
	f.waitFor(ctx, published, drainTimeout)
	stopReading()
	readers.Wait()
	var stored atomic.Int64
	_, err = s.ReadToEnd(ctx, func(_ string, recs []shards.Record) error {
		for i := range recs {
			if recs[i].PartitionKey != probeDevice {
				stored.Add(1)
			}
		}
		return nil
	})
	if err != nil {
		return MQTTRun{}, fmt.Errorf("count the records stored: %w", err)
	}
	run := MQTTRun{Published: published, Stored: stored.Load(), Lost: published - stored.Load()}
	if last := f.lastAt.Load(); last != 0 {
		run.Seconds = time.Unix(0, last).Sub(first).Seconds()
		run.MessagesPerSec = float64(run.Stored) / run.Seconds
	}
	run.P99Ms = float64(f.lat.Percentile(99)) / float64(time.Millisecond)
	return run, nil
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
			return clients, fmt.Errorf("connect device %d: %v", i, t.Error())
		}
		clients[i] = c
	}
	return clients, nil
}

// pubackTimeout bounds the wait for one publish's acknowledgement.
const pubackTimeout = 30 * time.Second

// publish runs every device for o.Duration, each keeping o.Window QoS 1
// publishes in flight, and returns how many the broker acknowledged. A
// publish refused or not acknowledged in time fails the run: whether the
// gateway should store it is unknown.
func publish(ctx context.Context, clients []paho.Client, o MQTTOptions) (acked int64, err error) {
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	var (
		wg    sync.WaitGroup
		total atomic.Int64
		mu    sync.Mutex
		errs  []error
	)
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			device := fmt.Sprintf("dev-%04d", i)
			topic := "streams/bench/" + device
			var inflight []paho.Token
			oldest := func() error {
				t := inflight[0]
				inflight = inflight[1:]
				if !t.WaitTimeout(pubackTimeout) {
					return fmt.Errorf("device %s: publish not acknowledged within %s", device, pubackTimeout)
				}
				if err := t.Error(); err != nil {
					return fmt.Errorf("device %s: publish: %w", device, err)
				}
				total.Add(1)
				return nil
			}
			var err error
			for seq := 0; ctx.Err() == nil && err == nil; seq++ {
				if len(inflight) == o.Window {
					err = oldest()
				}
				b, _ := json.Marshal(benchPayload{Device: device, Seq: seq, TS: time.Now().UnixNano(), T: 21.53, H: 48.2, P: 101325.1})
				inflight = append(inflight, c.Publish(topic, 1, false, b))
			}
			for len(inflight) > 0 && err == nil {
				err = oldest()
			}
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return total.Load(), fmt.Errorf("%d of %d devices failed, the first: %w", len(errs), len(clients), errs[0])
	}
	return total.Load(), nil
}

// probeDevice is the device whose messages only test the route from the
// broker to the stream; they are not counted.
const probeDevice = "probe"

// waitRoute publishes probe messages until one reaches the stream. A
// gateway subscribes to an external broker after it has started, and a
// broker drops what is published before any subscription: messages
// acknowledged to a device, yet never offered to the gateway.
func waitRoute(ctx context.Context, broker string, f *follow) error {
	opts := paho.NewClientOptions().AddBroker("tcp://" + broker).SetClientID("bench-" + probeDevice).
		SetCleanSession(true).SetAutoReconnect(false)
	c := paho.NewClient(opts)
	if t := c.Connect(); !t.WaitTimeout(10*time.Second) || t.Error() != nil {
		return fmt.Errorf("connect the probe: %v", t.Error())
	}
	defer c.Disconnect(100)
	ctx, cancel := context.WithTimeout(ctx, drainTimeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for f.probes.Load() == 0 {
		if t := c.Publish("streams/bench/"+probeDevice, 1, false, "{}"); !t.WaitTimeout(pubackTimeout) || t.Error() != nil {
			return fmt.Errorf("probe publish not acknowledged: %v", t.Error())
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return fmt.Errorf("no probe message reached the stream: %w", ctx.Err())
		}
	}
	return nil
}

// follow counts the records that reach a stream, the latency of each from
// its publish, and when the last one was read (after its fsync).
type follow struct {
	seen   atomic.Int64
	probes atomic.Int64 // probe records seen, not counted in seen
	lastAt atomic.Int64 // unix nanos
	lat    Latencies
}

// shard follows one shard from c until ctx ends.
func (f *follow) shard(ctx context.Context, s *shards.Stream, c shards.Cursor) {
	var mine []time.Duration
	defer func() { f.lat.Merge(mine) }()
	for {
		res, err := s.ReadWait(ctx, c, shards.MaxRecordsPerRead)
		if err != nil {
			return
		}
		now := time.Now()
		n := 0
		for _, r := range res.Records {
			if r.PartitionKey == probeDevice {
				f.probes.Add(1)
				continue
			}
			n++
			var p benchPayload
			if json.Unmarshal(r.Data, &p) == nil && p.TS > 0 {
				mine = append(mine, now.Sub(time.Unix(0, p.TS)))
			}
		}
		if n > 0 {
			f.lastAt.Store(max(f.lastAt.Load(), now.UnixNano()))
			f.seen.Add(int64(n))
		}
		c = res.Next
	}
}

// waitFor waits until n records have been seen, ctx ends or timeout passes.
func (f *follow) waitFor(ctx context.Context, n int64, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for f.seen.Load() < n {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

// runMosquitto starts Mosquitto on a free loopback port, keeping QoS 1
// messages for the gateway's session without limit. Its configuration
// lives in a temporary directory under dir that stop removes.
func runMosquitto(dir, bin string) (addr string, stop func(), err error) {
	port, err := freeLoopbackPort()
	if err != nil {
		return "", nil, err
	}
	tmp, err := os.MkdirTemp(dir, "tidegate-bench-mosquitto-*")
	if err != nil {
		return "", nil, err
	}
	conf := filepath.Join(tmp, "mosquitto.conf")
	body := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nmax_inflight_messages 0\n", port)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		os.RemoveAll(tmp)
		return "", nil, err
	}
	cmd := exec.Command(bin, "-c", conf)
	if err := cmd.Start(); err != nil {
		os.RemoveAll(tmp)
		return "", nil, err
	}
	stop = func() { cmd.Process.Kill(); cmd.Wait(); os.RemoveAll(tmp) }
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
