package gateway

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// lockedBuffer collects log lines written from many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDeliverySecretsNeverReturned creates deliveries whose definitions hold every kind
// of secret a destination or transform takes (an access key, a password in a URL, a
// SASL password from a file, a NATS token, an Authorization header), lets them fail
// against closed ports, and reads every view the gateway offers — the create answer,
// the list, each delivery, /metrics, the overview — and its log: no secret appears.
func TestDeliverySecretsNeverReturned(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(secretFile, []byte("SECRET-from-file\n"), 0o600)
	var logs lockedBuffer
	cfg := closedConfig(t, "")
	g := New(cfg, slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})), "test")
	if err := g.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Shutdown(t.Context()) })
	base := "http://" + g.Addr().String()
	tok := credential{bearer: testToken}
	defs := []string{
		`{"name": "to-http", "from": "sensors", "buffer": {"interval": "0s"}, "retry": {"duration": "1s"},
		  "to": {"type": "http", "url": "http://user:SECRET-url-password@127.0.0.1:1/in", "access_key": "SECRET-access-key"}}`,
		`{"name": "transformed", "from": "sensors", "buffer": {"interval": "0s"}, "to": {"type": "file", "dir": "` + t.TempDir() + `"},
		  "transform": {"type": "http", "url": "http://127.0.0.1:1/t", "headers": {"Authorization": "Bearer SECRET-header"}}}`,
		`{"name": "to-kafka", "from": "sensors", "to": {"type": "kafka", "brokers": ["127.0.0.1:1"], "topic": "t",
		  "sasl": {"mechanism": "plain", "username": "u", "password_file": "` + secretFile + `"}}}`,
		`{"name": "to-nats", "from": "sensors", "to": {"type": "nats", "url": "nats://127.0.0.1:1", "subject": "s",
		  "credentials": {"token": "SECRET-nats-token"}}}`,
	}
	var seen strings.Builder
	for _, def := range defs {
		resp, body := call(t, base, "POST", "/api/v1/deliveries", nil, def, tok)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
		seen.WriteString(body)
		resp, body = call(t, base, "POST", "/api/v1/deliveries", nil, def, tok)
		if resp.StatusCode != http.StatusConflict {
			t.Errorf("create again: %d %s", resp.StatusCode, body)
		}
		seen.WriteString(body)
	}
	s, _ := g.Store().Stream("sensors")
	putN(t, s, 0, 10)
	waitFor(t, "the deliveries' errors", func() bool {
		a, _ := g.Deliveries().Status("to-http")
		b, _ := g.Deliveries().Status("transformed")
		return a.LastError != "" && b.LastError != ""
	})
	for _, path := range []string{"/api/v1/deliveries", "/api/v1/deliveries/to-http", "/api/v1/deliveries/transformed", "/api/v1/deliveries/to-kafka",
		"/api/v1/deliveries/to-nats", "/metrics", "/"} {
		resp, body := call(t, base, "GET", path, nil, "", tok)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		fmt.Fprintf(&seen, "GET %s: %s\n", path, body)
	}
	if !strings.Contains(seen.String(), `"last_error"`) {
		t.Errorf("no delivery error in the views, so they were not checked with one:\n%s", &seen)
	}
	for what, text := range map[string]string{"the API": seen.String(), "the log": logs.String()} {
		if strings.Contains(text, "SECRET") {
			t.Errorf("a secret in %s:\n%s", what, text)
		}
	}
}
