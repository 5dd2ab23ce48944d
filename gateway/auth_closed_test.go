package gateway

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/gateway/config"
)

// TestCredentialsCloseReadsToo: once access keys are configured, reading REST,
// /metrics and the overview needs credentials as much as changing things does; only
// the health checks stay open. REST reads, /metrics and GET / used to answer anyone.
func TestCredentialsCloseReadsToo(t *testing.T) {
	cfg := testConfig(t, "streams:\n  - { name: sensors }\n")
	cfg.Auth.AccessKeys = []config.AccessKey{{ID: "AKIDTEST", Secret: config.NewSecret("s3cret")}}
	g := startGateway(t, cfg)
	g.Devices().Seen("node-7", "mqtt", map[string]any{"t": 21.5}, time.Time{})
	base := "http://" + g.Addr().String()
	for _, path := range []string{"/api/v1/devices", "/api/v1/devices/node-7", "/api/v1/deliveries", "/api/v1/deliveries/x", "/metrics", "/"} {
		code, body := get(t, http.DefaultClient, base+path)
		if code != http.StatusUnauthorized || !strings.Contains(body, `"error"`) {
			t.Errorf("GET %s without credentials: %d %s, want 401 with a JSON error", path, code, body)
		}
		if strings.Contains(body, "node-7") || strings.Contains(body, "sensors") {
			t.Errorf("GET %s without credentials shows what the gateway holds: %s", path, body)
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, _ := get(t, http.DefaultClient, base+path); code != http.StatusOK {
			t.Errorf("GET %s: %d, want 200 without credentials", path, code)
		}
	}
}
