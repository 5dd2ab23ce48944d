package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/shards"
)

func keptFor(t *testing.T, g *Gateway, stream string) []string {
	t.Helper()
	s, err := g.Store().Stream(stream)
	if err != nil {
		t.Fatal(err)
	}
	return s.Config().KeepFor
}

// Streams keep the records their deliveries have not sent past retention,
// as keep_until_delivered says, and follow the deliveries as they change.
func TestKeepUntilDeliveredFollowsTheDeliveries(t *testing.T) {
	dir := t.TempDir()
	yaml := func(sensorsKeep string, withB bool) string {
		y := fmt.Sprintf(`streams:
  - {name: sensors%s}
  - {name: logs, keep_until_delivered: none}
  - {name: alarms, keep_until_delivered: [to-a]}
deliveries:
  - {name: to-a, from: [sensors, alarms], to: {type: file, dir: %s/a}}
`, sensorsKeep, dir)
		if withB {
			y += fmt.Sprintf("  - {name: to-b, from: [sensors, logs, alarms], to: {type: file, dir: %s/b}}\n", dir)
		}
		return y
	}
	cfg := testConfig(t, yaml("", true))
	g := startGateway(t, cfg)
	a, b := "tidegate-delivery-to-a", "tidegate-delivery-to-b"
	for stream, want := range map[string][]string{"sensors": {a, b}, "logs": nil, "alarms": {a}} {
		if got := keptFor(t, g, stream); !slices.Equal(got, want) {
			t.Errorf("%s keeps for %v, want %v", stream, got, want)
		}
	}
	reload := func(y string) {
		t.Helper()
		next := testConfig(t, y)
		next.DataDir, next.Listen = cfg.DataDir, cfg.Listen
		if _, _, err := g.Reload(next); err != nil {
			t.Fatal(err)
		}
	}
	reload(yaml("", false)) // to-b removed: it keeps nothing any more
	if got := keptFor(t, g, "sensors"); !slices.Equal(got, []string{a}) {
		t.Errorf("after to-b was removed, sensors keeps for %v", got)
	}
	reload(yaml(", keep_until_delivered: none", false))
	if got := keptFor(t, g, "sensors"); len(got) != 0 {
		t.Errorf("with keep_until_delivered: none, sensors keeps for %v", got)
	}
	// A stream the file does not declare keeps for its deliveries too.
	if _, err := g.Store().CreateStream("api-made", shards.StreamConfig{}); err != nil {
		t.Fatal(err)
	}
	spec, _ := g.Deliveries().Spec("to-a")
	spec.Name, spec.From = "to-c", []string{"api-made"}
	if err := g.Deliveries().Create(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	if got := keptFor(t, g, "api-made"); !slices.Equal(got, []string{"tidegate-delivery-to-c"}) {
		t.Errorf("api-made keeps for %v", got)
	}
	if err := g.Deliveries().Delete("to-c"); err != nil {
		t.Fatal(err)
	}
	if got := keptFor(t, g, "api-made"); len(got) != 0 {
		t.Errorf("after its delivery was deleted, api-made keeps for %v", got)
	}
	// Stopping the gateway closes the deliveries but the streams keep for
	// them: retention must not catch up while the gateway restarts.
	if err := g.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	st, err := shards.Open(filepath.Join(cfg.DataDir, "shards"), shards.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, _ := st.Stream("alarms")
	if got := s.Config().KeepFor; !slices.Equal(got, []string{a}) {
		t.Errorf("after a stop, alarms keeps for %v", got)
	}
}

// Records the byte limit deletes before a paused delivery sent them are
// counted in the delivery's status and written to the status stream; so is
// a step of the wall clock.
func TestStoreEventsReachTheStatusStream(t *testing.T) {
	cfg := testConfig(t, fmt.Sprintf(`streams:
  - {name: small, max_bytes: 1MiB, on_full: overwrite_oldest}
deliveries:
  - {name: slow, from: small, to: {type: file, dir: %s}}
`, t.TempDir()))
	g := startGateway(t, cfg)
	if err := g.Deliveries().Pause("slow"); err != nil {
		t.Fatal(err)
	}
	s, _ := g.Store().Stream("small")
	for i := 0; i < 30; i++ {
		es := make([]shards.PutEntry, 100)
		for j := range es {
			es[j] = shards.PutEntry{PartitionKey: "k", Data: make([]byte, 1000)}
		}
		if _, err := s.PutRecords(context.Background(), es); err != nil {
			t.Fatal(err)
		}
	}
	g.storeEvent(shards.Event{Kind: shards.EventClockStep, Time: time.Now(), Step: time.Hour, Synced: true})
	deadline := time.Now().Add(10 * time.Second)
	for {
		lost := s.Stats().UndeliveredDeleted
		st, _ := g.Deliveries().Status("slow")
		var fromEvents int64
		steps := 0
		var recs []shards.Record
		if status, err := g.Store().Stream("uplink-status"); err == nil {
			recs = readAllRecords(t, status)
		}
		for _, r := range recs {
			var ev map[string]any
			if json.Unmarshal(r.Data, &ev) != nil {
				continue
			}
			switch ev["event"] {
			case "undelivered_deleted":
				if ev["name"] == "slow" && ev["stream"] == "small" && ev["reason"] == "max_bytes" && r.PartitionKey == "slow" {
					fromEvents += int64(ev["records"].(float64))
				}
			case "clock_step":
				if r.PartitionKey == "clock" && ev["step_ms"] == float64(3600000) && ev["synchronized"] == true {
					steps++
				}
			}
		}
		if lost > 0 && st.UndeliveredDeleted == lost && fromEvents == lost && steps == 1 {
			_, metrics := get(t, http.DefaultClient, "http://"+g.Addr().String()+"/metrics")
			for _, want := range []string{
				fmt.Sprintf(`tidegate_delivery_undelivered_deleted_records_total{delivery="slow",destination="file"} %d`, lost),
				fmt.Sprintf(`tidegate_stream_undelivered_deleted_records_total{stream="small"} %d`, lost),
				"tidegate_clock_steps_total ",
				"tidegate_clock_synchronized ",
			} {
				if !strings.Contains(metrics, want) {
					t.Errorf("metrics lack %s", want)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stream counted %d records lost, the delivery %d, the status stream %d; %d clock steps in it",
				lost, st.UndeliveredDeleted, fromEvents, steps)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
