package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/uplink"
)

func putN(t *testing.T, s *shards.Stream, from, n int) {
	t.Helper()
	for i := from; i < from+n; i += 500 {
		var batch []shards.PutEntry
		for j := i; j < min(i+500, from+n); j++ {
			batch = append(batch, shards.PutEntry{PartitionKey: fmt.Sprintf("dev%d", j%9), Data: fmt.Appendf(nil, `{"n":%d}`, j)})
		}
		if _, err := s.PutRecords(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fileRecords reads every object under dir (uncompressed JSON lines).
func fileRecords(t *testing.T, dir string) []map[string]any {
	t.Helper()
	var out []map[string]any
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		b, _ := os.ReadFile(path)
		for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			var m map[string]any
			if json.Unmarshal(line, &m) == nil {
				out = append(out, m)
			}
		}
		return nil
	})
	return out
}

func TestConfiguredDeliveryToFileAndReload(t *testing.T) {
	out := t.TempDir()
	cfg := testConfig(t, fmt.Sprintf(`
streams:
  - { name: sensors, shards: 2 }
deliveries:
  - name: to-disk
    from: sensors
    to: { type: file, dir: %s }
    buffer: { interval: 0s }
    format: json
`, out))
	g := startGateway(t, cfg)
	s, _ := g.Store().Stream("sensors")
	putN(t, s, 0, 1000)
	waitFor(t, "1000 records on disk", func() bool { return len(fileRecords(t, out)) >= 1000 })
	recs := fileRecords(t, out)
	if recs[0]["stream"] != "sensors" || recs[0]["data"] == nil {
		t.Errorf("line %v", recs[0])
	}
	st, err := g.Deliveries().Status("to-disk")
	if err != nil || st.RecordsDelivered != 1000 || st.Destination != "file" {
		t.Errorf("status %+v %v", st, err)
	}
	// A reload without the delivery stops it and keeps its checkpoint.
	next := testConfig(t, "streams:\n  - { name: sensors, shards: 2 }\n")
	next.DataDir, next.Listen, next.MQTT = cfg.DataDir, cfg.Listen, cfg.MQTT
	if _, _, err := g.Reload(next); err != nil {
		t.Fatal(err)
	}
	if names := g.Deliveries().Names(); len(names) != 0 {
		t.Errorf("deliveries after the reload: %v", names)
	}
	putN(t, s, 1000, 10)
	if _, _, err := g.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the 10 records put while it was gone", func() bool { return len(fileRecords(t, out)) >= 1010 })
	if n := len(fileRecords(t, out)); n != 1010 {
		t.Errorf("%d records on disk, want 1010 (resumed from its checkpoint)", n)
	}
}

func TestDeliveriesREST(t *testing.T) {
	out := t.TempDir()
	cfg := testConfig(t, "streams:\n  - { name: sensors }\n")
	g := startGateway(t, cfg)
	base := "http://" + g.Addr().String() + "/api/v1/deliveries"
	do := func(method, url, body string) (int, string) {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	body := fmt.Sprintf(`{"name": "api-file", "from": "sensors", "to": {"type": "file", "dir": %q}, "buffer": {"interval": "0s"}, "format": "json"}`, out)
	if code, b := do("POST", base, body); code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, b)
	}
	if code, _ := do("POST", base, body); code != http.StatusConflict {
		t.Errorf("second create: %d", code)
	}
	if code, b := do("POST", base, `{"name": "x", "from": "sensors", "to": {"type": "file"}}`); code != http.StatusBadRequest || !strings.Contains(b, "dir") {
		t.Errorf("bad create: %d %s", code, b)
	}
	s, _ := g.Store().Stream("sensors")
	putN(t, s, 0, 10)
	waitFor(t, "10 records", func() bool { return len(fileRecords(t, out)) == 10 })
	if code, b := do("POST", base+"/api-file/pause", ""); code != 200 || !strings.Contains(b, `"paused"`) {
		t.Errorf("pause: %d %s", code, b)
	}
	code, b := do("GET", base, "")
	var list struct{ Deliveries []deliveryView }
	json.Unmarshal([]byte(b), &list)
	if code != 200 || len(list.Deliveries) != 1 || list.Deliveries[0].State != uplink.StatePaused || list.Deliveries[0].Origin != "api" {
		t.Errorf("list: %d %s", code, b)
	}
	putN(t, s, 10, 5)
	time.Sleep(100 * time.Millisecond)
	if n := len(fileRecords(t, out)); n != 10 {
		t.Errorf("paused delivery wrote: %d records", n)
	}
	if code, b = do("GET", base+"/api-file", ""); !strings.Contains(b, `"backlog_records":5`) {
		t.Errorf("describe: %d %s", code, b)
	}
	do("POST", base+"/api-file/resume", "")
	waitFor(t, "15 records", func() bool { return len(fileRecords(t, out)) == 15 })
	// It survives a restart of the gateway.
	g.Shutdown(context.Background())
	g2 := startGateway(t, cfg)
	base = "http://" + g2.Addr().String() + "/api/v1/deliveries"
	if code, b := do("GET", base+"/api-file", ""); code != 200 {
		t.Fatalf("after restart: %d %s", code, b)
	}
	if code, _ := do("DELETE", base+"/api-file", ""); code != http.StatusNoContent {
		t.Errorf("delete: %d", code)
	}
	if code, _ := do("GET", base+"/api-file", ""); code != http.StatusNotFound {
		t.Errorf("after delete: %d", code)
	}
}

func TestEdgeDeliversToHubOverTheHTTPEndpointProtocol(t *testing.T) {
	hub := startGateway(t, testConfig(t, "streams:\n  - { name: collected, shards: 2 }\n"))
	edgeCfg := testConfig(t, fmt.Sprintf(`
streams:
  - { name: sensors, shards: 3 }
deliveries:
  - name: to-hub
    from: sensors
    to: { type: http, url: "http://%s/api/v1/firehose/collected" }
    buffer: { interval: 0s }
    compression: gzip
  - name: to-nowhere
    from: sensors
    to: { type: http, url: "http://%s/api/v1/firehose/missing" }
    buffer: { interval: 0s }
    retry: { duration: 1s }
`, hub.Addr(), hub.Addr()))
	edge := startGateway(t, edgeCfg)
	s, _ := edge.Store().Stream("sensors")
	putN(t, s, 0, 3000)
	collected, _ := hub.Store().Stream("collected")
	waitFor(t, "3000 records at the hub", func() bool { return len(readAllRecords(t, collected)) >= 3000 })
	seen := map[string]int{}
	for _, r := range readAllRecords(t, collected) {
		seen[string(r.Data)]++
	}
	for i := 0; i < 3000; i++ {
		if n := seen[fmt.Sprintf(`{"n":%d}`, i)]; n != 1 {
			t.Fatalf("record %d arrived %d times", i, n)
		}
	}
	// A hub stream that does not exist: refused (404), retried for the retry
	// duration, then dead-lettered on the edge with the Firehose error shape.
	waitFor(t, "dead-lettered records", func() bool {
		st, _ := edge.Deliveries().Status("to-nowhere")
		return st.DeadLettered == 3000
	})
	dl, _ := edge.Store().Stream("deadletter")
	var rec map[string]any
	json.Unmarshal(readAllRecords(t, dl)[0].Data, &rec)
	if rec["delivery"] != "to-nowhere" || rec["rawData"] == nil || !strings.Contains(fmt.Sprint(rec["errorMessage"]), "404") {
		t.Errorf("error record %v", rec)
	}
	_, metrics := get(t, http.DefaultClient, "http://"+edge.Addr().String()+"/metrics")
	for _, want := range []string{
		`tidegate_delivery_records_total{delivery="to-hub",destination="http"} 3000`,
		`tidegate_delivery_state{delivery="to-hub",destination="http",state="delivering"} 1`,
		`tidegate_delivery_dead_lettered_records_total{delivery="to-nowhere",destination="http"} 3000`,
		`tidegate_delivery_backlog_records{delivery="to-hub",destination="http"} 0`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestReceiverChecksTheAccessKey(t *testing.T) {
	cfg := testConfig(t, "streams:\n  - { name: in }\n")
	cfg.Auth.AccessKeys = []config.AccessKey{{ID: "AKIDHUB", Secret: config.NewSecret("hub-secret")}}
	hub := startGateway(t, cfg)
	for key, want := range map[string]int{"hub-secret": 200, "wrong": 401, "": 401} {
		body := `{"requestId":"r-` + key + `","timestamp":1795849200000,"records":[{"data":"aGk="}]}`
		req, _ := http.NewRequest("POST", "http://"+hub.Addr().String()+"/api/v1/firehose/in", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Amz-Firehose-Protocol-Version", "1.0")
		req.Header.Set("X-Amz-Firehose-Request-Id", "r-"+key)
		if key != "" {
			req.Header.Set("X-Amz-Firehose-Access-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("access key %q: %d %s, want %d", key, resp.StatusCode, b, want)
		}
	}
}
