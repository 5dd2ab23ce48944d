//go:build linux && !arm && !386 && !mips && !mipsle

package gateway

// The power-cut test of the REST deliveries' directory: a child runs a
// gateway on the power-cut filesystem and creates deliveries through the
// REST API, acknowledging each 201; after each cut, the definitions the
// next start loads hold every one acknowledged. Deletions are tested
// with the rest, end to end, by tidegate's TestPowerCutDefinitions; here
// nothing else syncs DATA_DIR/uplink, so the directory must be synced
// into it when made.

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/internal/powercut"
)

func pcConfig(data string) (*config.Config, error) {
	cfg, err := config.Parse("powercut.yaml", []byte("streams: [{name: sensors}]\nmqtt: {listen: \"-\"}\nrtsp: {listen: \"-\"}\n"), nil)
	if err != nil {
		return nil, err
	}
	cfg.DataDir, cfg.Listen.HTTP = data, "127.0.0.1:0"
	return cfg, nil
}

func TestPowerCutRESTDeliveriesChild(t *testing.T) {
	c := powercut.StartChild(t)
	cfg, err := pcConfig(filepath.Join(c.Dir, "data"))
	if err != nil {
		c.Fatalf("config: %v", err)
	}
	g := New(cfg, slog.New(slog.DiscardHandler), "test")
	if err := g.Start(context.Background()); err != nil {
		c.Fatalf("start: %v", err)
	}
	c.Ready()
	base := "http://" + g.Addr().String() + "/api/v1/deliveries"
	for k := 0; ; k++ {
		name := fmt.Sprintf("r%d-%d", c.Cycle, k)
		body := fmt.Sprintf(`{"name": %q, "from": "sensors", "to": {"type": "file", "dir": %q}}`, name, filepath.Join(c.Dir, "export"))
		resp, err := http.Post(base, "application/json", strings.NewReader(body))
		if err != nil || resp.StatusCode != http.StatusCreated {
			c.Fatalf("create %s: %v %v", name, resp, err)
		}
		resp.Body.Close()
		c.Ack("%s", name)
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPowerCutRESTDeliveries(t *testing.T) {
	var acked []string
	powercut.Run(t, powercut.Workload{
		Child: "TestPowerCutRESTDeliveriesChild", Cycles: 10, MaxAcks: 20, MaxWait: time.Second,
		Check: func(cy *powercut.Cycle) error {
			acked = append(acked, cy.Acks...)
			cfg, err := pcConfig(filepath.Join(cy.Dir, "data"))
			if err != nil {
				return err
			}
			// Reads the files only: what the next start would load.
			loaded := map[string]bool{}
			for _, d := range New(cfg, slog.New(slog.DiscardHandler), "test").loadRESTDeliveries() {
				loaded[d.Name] = true
			}
			missing := 0
			for _, name := range acked {
				if !loaded[name] {
					missing++
				}
			}
			if missing > 0 {
				return fmt.Errorf("%d of the %d deliveries created through the REST API are gone after the cut", missing, len(acked))
			}
			return nil
		},
	})
	if len(acked) == 0 {
		t.Fatal("no delivery was acknowledged: the test tested nothing")
	}
}
