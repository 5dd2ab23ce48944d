package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/gateway"
	"github.com/tidegate/tidegate/gateway/config"
)

func TestDeliveriesCommands(t *testing.T) {
	for _, signed := range []bool{false, true} {
		t.Run(fmt.Sprintf("signed=%v", signed), func(t *testing.T) {
			cfg, err := config.Parse("t.yaml", []byte("streams:\n  - {name: sensors}\n"), nil)
			if err != nil {
				t.Fatal(err)
			}
			cfg.DataDir = t.TempDir()
			cfg.Listen.HTTP = "127.0.0.1:0"
			cfg.MQTT.Listen = "-"
			cfg.RTSP.Listen = "-"
			env := []string{"AWS_ACCESS_KEY_ID=", "TIDEGATE_ACCESS_KEY_ID="}
			if signed {
				cfg.Auth.AccessKeys = []config.AccessKey{{ID: "AKIDTEST", Secret: config.NewSecret("s3cret")}}
				env = []string{"TIDEGATE_ACCESS_KEY_ID=AKIDTEST", "TIDEGATE_SECRET_ACCESS_KEY=s3cret"}
			}
			g := gateway.New(cfg, slog.New(slog.DiscardHandler), "test")
			if err := g.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { g.Shutdown(context.Background()) })
			ep := "http://" + g.Addr().String()
			run := func(args ...string) (string, error) {
				cmd := tidegate(t, args...)
				cmd.Env = append(cmd.Env, "TIDEGATE_ENDPOINT="+ep)
				cmd.Env = append(cmd.Env, env...)
				var out, errb bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &errb
				err := cmd.Run()
				return out.String() + errb.String(), err
			}
			def := filepath.Join(t.TempDir(), "d.yaml")
			os.WriteFile(def, []byte("name: export\nfrom: sensors\nto: {type: file, dir: "+t.TempDir()+"}\n"), 0o600)
			if out, err := run("deliveries", "create", def); err != nil || !strings.Contains(out, "delivery export created") {
				t.Fatalf("create: %v %s", err, out)
			}
			if out, err := run("deliveries", "ls"); err != nil || !strings.Contains(out, "export") || !strings.Contains(out, "delivering") {
				t.Fatalf("ls: %v %s", err, out)
			}
			if out, err := run("deliveries", "pause", "export"); err != nil || !strings.Contains(out, "paused") {
				t.Fatalf("pause: %v %s", err, out)
			}
			if out, err := run("deliveries", "show", "export", "--json"); err != nil || !strings.Contains(out, `"state":"paused"`) {
				t.Fatalf("show: %v %s", err, out)
			}
			if out, err := run("deliveries", "resume", "export"); err != nil || !strings.Contains(out, "delivering") {
				t.Fatalf("resume: %v %s", err, out)
			}
			if out, err := run("deliveries", "rm", "nope"); err == nil || !strings.Contains(out, "not found") {
				t.Fatalf("rm of a missing delivery: %v %s", err, out)
			}
			if out, err := run("deliveries", "rm", "export"); err != nil || !strings.Contains(out, "deleted") {
				t.Fatalf("rm: %v %s", err, out)
			}
			g.Devices().Seen("node-7", "mqtt", map[string]any{"t": 21.5}, time.Time{})
			if out, err := run("devices", "ls"); err != nil || !strings.Contains(out, "node-7") {
				t.Fatalf("devices ls: %v %s", err, out)
			}
		})
	}
}
