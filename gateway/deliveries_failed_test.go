package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/transform"
)

// One delivery that cannot start does not stop the gateway or the others:
// it is reported as failed — in the status, the REST API and the metrics —
// and a reload that fixes it starts it.
func TestABrokenDeliveryDoesNotStopTheOthers(t *testing.T) {
	dirGood, dirBroken := t.TempDir(), t.TempDir()
	yaml := func(transformBlock string) string {
		return fmt.Sprintf(`
streams:
  - { name: sensors }
deliveries:
  - name: good
    from: sensors
    to: { type: file, dir: %s }
    buffer: { interval: 0s }
    format: json
  - name: broken
    from: sensors
    to: { type: file, dir: %s }
    buffer: { interval: 0s }
    format: json
%s`, dirGood, dirBroken, transformBlock)
	}
	cfg := testConfig(t, yaml("    transform: { type: command, command: [true] }\n"))
	// The program is gone by the time the gateway starts.
	cfg.Deliveries[1].Transform.Config.(*transform.CommandConfig).Command[0] = filepath.Join(t.TempDir(), "gone")
	g := startGateway(t, cfg)

	s, _ := g.Store().Stream("sensors")
	putN(t, s, 0, 100)
	waitFor(t, "the good delivery to deliver", func() bool { return len(fileRecords(t, dirGood)) == 100 })

	st, err := g.Deliveries().Status("broken")
	if err != nil || st.State != uplink.StateFailed || !strings.Contains(st.LastError, "gone") || st.BacklogRecords != 100 {
		t.Errorf("status of the broken delivery: %+v, %v; want failed, saying why, with its backlog", st, err)
	}
	base := "http://" + g.Addr().String()
	code, body := get(t, http.DefaultClient, base+"/api/v1/deliveries/broken")
	var view deliveryView
	if err := json.Unmarshal([]byte(body), &view); code != http.StatusOK || err != nil || view.State != uplink.StateFailed || view.Origin != originConfig {
		t.Errorf("GET /api/v1/deliveries/broken: %d %s", code, body)
	}
	_, metrics := get(t, http.DefaultClient, base+"/metrics")
	if want := `tidegate_delivery_state{delivery="broken",destination="file",state="failed"} 1`; !strings.Contains(metrics, want) {
		t.Errorf("metrics lack %s", want)
	}

	// A reload that fixes it starts it, from where it was to begin.
	if _, _, err := g.Reload(testConfig(t, yaml(""))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the fixed delivery to deliver", func() bool { return len(fileRecords(t, dirBroken)) == 100 })
	if st, _ := g.Deliveries().Status("broken"); st.State != uplink.StateDelivering {
		t.Errorf("after the reload: %+v", st)
	}
}
