package peer

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// MosquittoOptions adds to the broker's configuration.
type MosquittoOptions struct {
	// CertFile and KeyFile, when set, make the listener TLS (MQTTS).
	CertFile, KeyFile string
	// ClientCA, when set with them, makes it require client certificates
	// signed by that CA (mutual TLS).
	ClientCA string
	// MaxInflight is max_inflight_messages, QoS 1/2 messages in flight to
	// a subscriber; 0 is unlimited.
	MaxInflight int
	// Persistence, when set, is the directory where Mosquitto keeps its
	// sessions and retained messages across Restart.
	Persistence string
	// Extra lines for mosquitto.conf.
	Extra []string
}

// Mosquitto starts a Mosquitto broker on a free loopback port, anonymous,
// without persistence, queueing without limit for a subscriber that is
// away, and returns host:port. It stops when the test ends.
func Mosquitto(t testing.TB, o MosquittoOptions) string {
	t.Helper()
	return StartMosquitto(t, o).Addr
}

// MosquittoServer is a running Mosquitto that a test may restart.
type MosquittoServer struct {
	Addr string
	t    testing.TB
	bin  string
	conf string
	cmd  *exec.Cmd
}

// StartMosquitto is Mosquitto, returning the server so that the test can
// restart it. It stops when the test ends.
func StartMosquitto(t testing.TB, o MosquittoOptions) *MosquittoServer {
	t.Helper()
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/mosquitto"); serr != nil {
			Missing(t, "mosquitto")
		}
		bin = "/usr/sbin/mosquitto"
	}
	port := FreePort(t)
	persistence := []string{"persistence false"}
	if o.Persistence != "" {
		persistence = []string{"persistence true", "persistence_location " + o.Persistence + "/"}
	}
	lines := append([]string{
		fmt.Sprintf("listener %d 127.0.0.1", port),
		"allow_anonymous true",
		"max_queued_messages 0", fmt.Sprintf("max_inflight_messages %d", o.MaxInflight),
	}, persistence...)
	if o.CertFile != "" {
		lines = append(lines, "certfile "+o.CertFile, "keyfile "+o.KeyFile)
	}
	if o.ClientCA != "" {
		lines = append(lines, "cafile "+o.ClientCA, "require_certificate true")
	}
	if os.Geteuid() == 0 {
		// Started as root, mosquitto becomes the user "mosquitto", who cannot
		// read the test's private temporary files.
		lines = append(lines, "user root")
	}
	lines = append(lines, o.Extra...)
	conf := filepath.Join(t.TempDir(), "mosquitto.conf")
	if err := os.WriteFile(conf, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := &MosquittoServer{Addr: fmt.Sprintf("127.0.0.1:%d", port), t: t, bin: bin, conf: conf}
	m.start()
	t.Cleanup(func() { m.cmd.Process.Kill(); m.cmd.Wait() })
	return m
}

func (m *MosquittoServer) start() {
	m.t.Helper()
	cmd := exec.Command(m.bin, "-c", m.conf)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		m.t.Fatalf("peer: start mosquitto: %v", err)
	}
	m.cmd = cmd
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", m.Addr)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("peer: mosquitto did not listen on %s: %v", m.Addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Restart stops Mosquitto with sig (SIGTERM saves its persistence file,
// SIGKILL does not) and starts it again on the same port.
func (m *MosquittoServer) Restart(sig syscall.Signal) {
	m.t.Helper()
	_ = m.cmd.Process.Signal(sig)
	_ = m.cmd.Wait()
	m.start()
}

// MosquittoClients returns the paths of mosquitto_sub and mosquitto_pub
// (Debian's mosquitto-clients), or calls Missing.
func MosquittoClients(t testing.TB) (sub, pub string) {
	t.Helper()
	sub, err := exec.LookPath("mosquitto_sub")
	if err != nil {
		Missing(t, "mosquitto_sub (mosquitto-clients)")
	}
	pub, err = exec.LookPath("mosquitto_pub")
	if err != nil {
		Missing(t, "mosquitto_pub (mosquitto-clients)")
	}
	return sub, pub
}

// PythonPaho returns a Python 3 that imports paho.mqtt (Debian's
// python3-paho-mqtt), or calls Missing. Debian's own /usr/bin/python3
// comes first: a python3 earlier on the PATH (pyenv, a virtualenv) does
// not see Debian's packages.
func PythonPaho(t testing.TB) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(py, "-c", "import paho.mqtt.client").Run() == nil {
			return py
		}
	}
	Missing(t, "python3 with paho.mqtt (python3-paho-mqtt)")
	return ""
}
