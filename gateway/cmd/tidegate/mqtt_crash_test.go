package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tidegate/tidegate/firmware-sim/fleet"
	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/shards"
)

// The end-to-end durability test: the simulated fleet publishes
// 10,000 QoS 1 messages while the gateway is killed with SIGKILL and
// restarted twice; afterwards every message is in the stream (duplicates
// allowed, counted and reported).
const (
	crashDevices = 10
	crashCount   = 1000 // per device: 10,000 in all
)

func TestMQTTThroughMosquittoSurvivesSIGKILL(t *testing.T) {
	mosq := startMosquitto(t)
	dir := t.TempDir()
	cfg := fmt.Sprintf(`data_dir: %s
listen: {http: 127.0.0.1:%s}
streams: [{name: sensors, shards: 2}]
rtsp: {listen: "-"}
mqtt:
  listen: "-"
  brokers: [{name: site, url: "tcp://%s", client_id: tidegate-crash-test}]
  subscriptions: [{broker: site, topic: streams/+/+, stream: "{1}", device: "{2}", qos: 1}]
`, filepath.Join(dir, "data"), freePort(t), mosq)
	runCrashScenario(t, dir, cfg, "tcp://"+mosq)
}

func TestMQTTThroughEmbeddedBrokerSurvivesSIGKILL(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	cfg := fmt.Sprintf(`data_dir: %s
listen: {http: 127.0.0.1:%s}
streams: [{name: sensors, shards: 2}]
mqtt: {listen: "127.0.0.1:%s"}
rtsp: {listen: "-"}
`, filepath.Join(dir, "data"), freePort(t), port)
	runCrashScenario(t, dir, cfg, "tcp://127.0.0.1:"+port)
}

func runCrashScenario(t *testing.T, dir, cfg, broker string) {
	if testing.Short() {
		t.Skip("kills and restarts the gateway: not in -short")
	}
	cfgFile := filepath.Join(dir, "tidegate.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	gw := startGatewayProcess(t, cfgFile)

	f, err := fleet.New(fleet.Config{Broker: broker, Devices: crashDevices, Rate: 400, QoS: 1, Count: crashCount,
		ReconnectMin: 50 * time.Millisecond, ReconnectMax: 500 * time.Millisecond, AckTimeout: 2 * time.Second,
		FlushTimeout: 60 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()

	for kill := 0; kill < 2; kill++ {
		time.Sleep(700 * time.Millisecond)
		syscall.Kill(gw.Process.Pid, syscall.SIGKILL)
		gw.Wait()
		t.Logf("gateway killed (%d of 2) after %d readings acknowledged", kill+1, f.Report().Acknowledged)
		time.Sleep(200 * time.Millisecond)
		gw = startGatewayProcess(t, cfgFile)
	}
	if err := <-done; err != nil && ctx.Err() == nil {
		t.Fatalf("fleet: %v", err)
	}
	rep := f.Report()
	if rep.Acknowledged != crashDevices*crashCount || rep.Dropped != 0 {
		t.Fatalf("the fleet got %d of %d acknowledgements, %d dropped", rep.Acknowledged, crashDevices*crashCount, rep.Dropped)
	}

	// Messages acknowledged by Mosquitto may still be on their way to the
	// gateway: wait until the stream holds them all or time runs out.
	var seen map[string]int
	var dups int
	for deadline := time.Now().Add(30 * time.Second); ; {
		gw.Process.Signal(syscall.SIGTERM)
		gw.Wait()
		seen, dups = readSensors(t, filepath.Join(dir, "data"))
		if len(seen) == crashDevices*crashCount || time.Now().After(deadline) {
			break
		}
		gw = startGatewayProcess(t, cfgFile)
		time.Sleep(time.Second)
	}
	t.Logf("%d of %d messages stored, %d duplicates (at-least-once redeliveries)", len(seen), crashDevices*crashCount, dups)
	if len(seen) != crashDevices*crashCount {
		for d := 1; d <= crashDevices; d++ {
			for s := 1; s <= crashCount; s++ {
				if _, ok := seen[fmt.Sprintf("node-%04d/%d", d, s)]; !ok {
					t.Errorf("missing node-%04d seq %d", d, s)
					break
				}
			}
		}
		t.FailNow()
	}
}

// startGatewayProcess runs `tidegate run --config cfgFile` and waits until it listens.
func startGatewayProcess(t *testing.T, cfgFile string) *exec.Cmd {
	t.Helper()
	cmd := tidegate(t, "run", "--config", cfgFile, "--log-format", "text")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "tidegate listening") {
			go io.Copy(io.Discard, stderr)
			return cmd
		}
	}
	t.Fatalf("gateway did not start: %v", sc.Err())
	return nil
}

// readSensors opens the stopped gateway's store and returns every
// device/seq stored, with how many were stored more than once.
func readSensors(t *testing.T, dataDir string) (map[string]int, int) {
	t.Helper()
	st, err := shards.Open(filepath.Join(dataDir, "shards"), shards.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := st.Stream("sensors")
	if err != nil {
		t.Fatal(err)
	}
	seen, dups := map[string]int{}, 0
	for _, sh := range s.Shards() {
		c, _ := s.Iterator(sh.ShardID, shards.TrimHorizon, "", time.Time{})
		for {
			res, err := s.Read(c, shards.MaxRecordsPerRead)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Records {
				var m struct {
					Device string `json:"device"`
					Seq    uint64 `json:"seq"`
				}
				if err := json.Unmarshal(r.Data, &m); err != nil {
					t.Fatalf("record %q: %v", r.Data, err)
				}
				if r.PartitionKey != m.Device {
					t.Fatalf("record of %s has partition key %s", m.Device, r.PartitionKey)
				}
				k := fmt.Sprintf("%s/%d", m.Device, m.Seq)
				if seen[k]++; seen[k] > 1 {
					dups++
				}
			}
			if len(res.Records) == 0 || res.Closed {
				break
			}
			c = res.Next
		}
	}
	return seen, dups
}

// startMosquitto runs a Mosquitto broker on a free loopback port. It keeps
// QoS 1 messages for the gateway's session while the gateway is down.
func startMosquitto(t *testing.T) string {
	return peer.Mosquitto(t, peer.MosquittoOptions{})
}
