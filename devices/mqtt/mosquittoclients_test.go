package mqtt

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/peer"
)

// TestMosquittoClientsResumeSession runs the commands of issue 15 against
// the embedded broker and, as the control, Mosquitto: a persistent
// mosquitto_sub gets the 20 messages queued while it was away with DUP 0
// and its subscription granted, acknowledges them, and on reconnecting at
// once gets none again.
func TestMosquittoClientsResumeSession(t *testing.T) {
	sub, pub := peer.MosquittoClients(t)
	brokers := map[string]string{"mosquitto": peer.Mosquitto(t, peer.MosquittoOptions{})}
	brokers["embedded"], _ = resumeBroker(t, t.TempDir())
	for name, addr := range brokers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			host, port, _ := net.SplitHostPort(addr)
			subArgs := []string{"-h", host, "-p", port, "-c", "-i", "s2", "-q", "1", "-t", "alerts/#", "-d"}
			run := func(stdin string, bin string, args ...string) string {
				t.Helper()
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				cmd := exec.CommandContext(ctx, bin, args...)
				cmd.Stdin = strings.NewReader(stdin)
				out, _ := cmd.CombinedOutput() // -W ends mosquitto_sub with a status of its own
				return string(out)
			}
			run("", sub, append(subArgs, "-W", "1")...)
			var lines strings.Builder
			for i := 1; i <= 20; i++ {
				fmt.Fprintf(&lines, "m%d\n", i)
			}
			if out := run(lines.String(), pub, "-h", host, "-p", port, "-q", "1", "-t", "alerts/a", "-l"); out != "" {
				t.Fatalf("mosquitto_pub: %s", out)
			}

			out := run("", sub, append(subArgs, "-W", "2")...)
			if strings.Contains(out, "denied") || !strings.Contains(out, "Subscribed (mid: 1): 1\n") {
				t.Errorf("resubscribing was not granted QoS 1:\n%s", out)
			}
			publishes := regexp.MustCompile(`received PUBLISH \((d\d), q1`).FindAllStringSubmatch(out, -1)
			if len(publishes) != 20 {
				t.Fatalf("%d queued messages received, want 20:\n%s", len(publishes), out)
			}
			for _, p := range publishes {
				if p[1] != "d0" {
					t.Errorf("a queued message on its first delivery has %s, want d0", p[1])
					break
				}
			}

			out = run("", sub, append(subArgs, "-W", "1")...)
			if n := strings.Count(out, "received PUBLISH"); n != 0 {
				t.Errorf("%d acknowledged messages came back:\n%s", n, out)
			}
		})
	}
}
