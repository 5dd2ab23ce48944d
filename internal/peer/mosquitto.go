package peer

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	// Extra lines for mosquitto.conf.
	Extra []string
}

// Mosquitto starts a Mosquitto broker on a free loopback port, anonymous,
// without persistence, queueing without limit for a subscriber that is
// away, and returns host:port. It stops when the test ends.
func Mosquitto(t testing.TB, o MosquittoOptions) string {
	t.Helper()
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/mosquitto"); serr != nil {
			Missing(t, "mosquitto")
		}
		bin = "/usr/sbin/mosquitto"
	}
	port := FreePort(t)
	lines := []string{
		fmt.Sprintf("listener %d 127.0.0.1", port),
		"allow_anonymous true", "persistence false",
		"max_queued_messages 0", fmt.Sprintf("max_inflight_messages %d", o.MaxInflight),
	}
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
	cmd := exec.Command(bin, "-c", conf)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("peer: start mosquitto: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("peer: mosquitto did not listen on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
