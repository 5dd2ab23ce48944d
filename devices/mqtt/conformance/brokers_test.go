package conformance

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/peer"
)

// broker is one of the two brokers a scenario runs against.
type broker interface {
	addr() string
	// restart stops the broker with sig and starts it again on the same
	// port with the same state directory.
	restart(t *testing.T, sig syscall.Signal)
}

// mosquittoInflight is Mosquitto's default max_inflight_messages: the
// oracle runs as it ships.
const mosquittoInflight = 20

type mosquitto struct{ m *peer.MosquittoServer }

func startMosquitto(t *testing.T) *mosquitto {
	return &mosquitto{peer.StartMosquitto(t, peer.MosquittoOptions{MaxInflight: mosquittoInflight, Persistence: t.TempDir()})}
}

func (m *mosquitto) addr() string { return m.m.Addr }

// restart: Mosquitto keeps sessions across a restart only when it saves
// them at a graceful stop (or at its autosave interval, 30 minutes by
// default), so the oracle of every restart is a SIGTERM.
func (m *mosquitto) restart(t *testing.T, _ syscall.Signal) { m.m.Restart(syscall.SIGTERM) }

// gateway is the tidegate binary, run as a child with a data directory of
// its own and the embedded broker on a free port.
type gateway struct {
	t      *testing.T
	bin    string
	config string
	mqtt   string
	cmd    *exec.Cmd
}

var (
	buildOnce sync.Once
	built     string
	buildErr  error
)

// tidegateBinary builds the gateway once per test run.
func tidegateBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tidegate-conformance-")
		if err != nil {
			buildErr = err
			return
		}
		built = filepath.Join(dir, "tidegate")
		cmd := exec.Command("go", "build", "-o", built, "./gateway/cmd/tidegate")
		cmd.Dir = peer.Root(t)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build tidegate: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
}

func startGateway(t *testing.T) *gateway {
	t.Helper()
	dir := t.TempDir()
	port := peer.FreePort(t)
	cfg := fmt.Sprintf(`data_dir: %s
listen: {http: 127.0.0.1:%d}
streams: [{name: sensors, shards: 1}]
mqtt: {listen: "127.0.0.1:%d"}
`, filepath.Join(dir, "data"), peer.FreePort(t), port)
	g := &gateway{t: t, bin: tidegateBinary(t), config: filepath.Join(dir, "tidegate.yaml"), mqtt: fmt.Sprintf("127.0.0.1:%d", port)}
	if err := os.WriteFile(g.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	g.start()
	t.Cleanup(func() {
		_ = g.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = g.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = g.cmd.Process.Kill()
		}
	})
	return g
}

func (g *gateway) addr() string { return g.mqtt }

// start runs the gateway and waits until it listens.
func (g *gateway) start() {
	g.t.Helper()
	cmd := exec.Command(g.bin, "run", "--config", g.config, "--log-format", "text")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		g.t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		g.t.Fatal(err)
	}
	g.cmd = cmd
	ready := make(chan bool, 1)
	var log strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if strings.Contains(line, "tidegate listening") {
				ready <- true
				_, _ = io.Copy(io.Discard, stderr)
				return
			}
			log.WriteString(line + "\n")
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			g.t.Fatalf("the gateway exited before it listened:\n%s", log.String())
		}
	case <-time.After(30 * time.Second):
		g.t.Fatal("the gateway did not listen within 30 s")
	}
}

func (g *gateway) restart(t *testing.T, sig syscall.Signal) {
	t.Helper()
	_ = g.cmd.Process.Signal(sig)
	_ = g.cmd.Wait()
	g.start()
}
