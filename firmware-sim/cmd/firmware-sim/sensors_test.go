package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"testing"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

// allowAll lets every client connect and publish, as a test broker.
type allowAll struct{ mochi.HookBase }

func (allowAll) ID() string { return "allow-all" }
func (allowAll) Provides(b byte) bool {
	return b == mochi.OnConnectAuthenticate || b == mochi.OnACLCheck
}
func (allowAll) OnConnectAuthenticate(*mochi.Client, packets.Packet) bool { return true }
func (allowAll) OnACLCheck(*mochi.Client, string, bool) bool              { return true }

// TestSensorsCommand runs `firmware-sim sensors` against a broker and
// checks its report: every reading of every device acknowledged.
func TestSensorsCommand(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	srv := mochi.New(&mochi.Options{InlineClient: true})
	srv.AddHook(new(allowAll), nil)
	if err := srv.AddListener(listeners.NewTCP(listeners.Config{ID: "t", Address: addr})); err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	for _, format := range []string{"json", "sparkplug"} {
		t.Run(format, func(t *testing.T) {
			report := filepath.Join(t.TempDir(), "report.json")
			code := sensors([]string{"--broker", "tcp://" + addr, "--devices", "3", "--rate", "200", "--count", "25",
				"--format", format, "--report", report, "--log-level", "error"})
			if code != 0 {
				t.Fatalf("exit %d", code)
			}
			b, err := os.ReadFile(report)
			if err != nil {
				t.Fatal(err)
			}
			var r struct {
				Acknowledged, Dropped int
				Devices               map[string]json.RawMessage
			}
			if err := json.NewDecoder(bytes.NewReader(b)).Decode(&r); err != nil {
				t.Fatal(err)
			}
			if r.Acknowledged != 75 || r.Dropped != 0 || len(r.Devices) != 3 {
				t.Fatalf("report %s", b)
			}
		})
	}
	if code := sensors([]string{"--qos", "2"}); code != 2 {
		t.Fatalf("--qos 2: exit %d, want 2", code)
	}
}
