package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/tidegate/tidegate/gateway"
	"github.com/tidegate/tidegate/gateway/config"
)

// startGateway runs a gateway in this process for the CLI to talk to.
func startGateway(t *testing.T) string {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Listen.HTTP = "127.0.0.1:0"
	cfg.MQTT.Listen = "-"
	cfg.RTSP.Listen = "-"
	g := gateway.New(cfg, slog.New(slog.DiscardHandler), "test")
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Shutdown(context.Background()) })
	return "http://" + g.Addr().String()
}

// cli runs the tidegate command with args (and stdin) against endpoint.
func cli(t *testing.T, endpoint, stdin string, args ...string) string {
	t.Helper()
	cmd := tidegate(t, args...)
	cmd.Env = append(cmd.Env, "TIDEGATE_ENDPOINT="+endpoint, "AWS_ACCESS_KEY_ID=", "TIDEGATE_ACCESS_KEY_ID=")
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("tidegate %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

func TestStreamsPutTail(t *testing.T) {
	ep := startGateway(t)
	if out := cli(t, ep, "", "streams", "create", "sensors", "--shards", "2", "--retention", "48h"); !strings.Contains(out, "created sensors") {
		t.Fatalf("create: %q", out)
	}
	if out := cli(t, ep, "", "streams", "ls"); !strings.Contains(out, "sensors") || !strings.Contains(out, "48h") {
		t.Fatalf("ls: %q", out)
	}
	if out := cli(t, ep, "", "put", "sensors", "--key", "dev-1", "hello"); !strings.HasPrefix(out, "shardId-") {
		t.Fatalf("put: %q", out)
	}
	var lines []string
	for i := 0; i < 1200; i++ {
		lines = append(lines, fmt.Sprintf("line-%04d", i))
	}
	cli(t, ep, strings.Join(lines, "\n")+"\n", "put", "sensors", "-")

	cli(t, ep, "", "streams", "split", "sensors", "shardId-000000000000")
	cli(t, ep, "", "put", "sensors", "--key", "dev-1", "after split")
	if out := cli(t, ep, "", "streams", "describe", "sensors"); strings.Count(out, "  open  ") != 3 || !strings.Contains(out, "closed") {
		t.Fatalf("describe after split: %q", out)
	}

	out := cli(t, ep, "", "tail", "sensors", "--json")
	seen := map[string]bool{}
	var dev1 []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r struct {
			Data string `json:"data"`
			Key  string `json:"partition_key"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("tail line %q: %v", l, err)
		}
		seen[r.Data] = true
		if r.Key == "dev-1" {
			dev1 = append(dev1, r.Data)
		}
	}
	if len(seen) != 1202 {
		t.Fatalf("tail returned %d distinct records, want 1202", len(seen))
	}
	if fmt.Sprint(dev1) != "[hello after split]" {
		t.Fatalf("records of one key out of order across the split: %v", dev1)
	}
	cli(t, ep, "", "streams", "delete", "sensors")
	if out := cli(t, ep, "", "streams", "ls", "--json"); strings.Contains(out, "sensors") {
		t.Fatalf("ls after delete: %q", out)
	}
}
