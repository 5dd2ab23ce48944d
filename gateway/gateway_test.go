package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/smithy-go"

	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/internal/selfsigned"
	"github.com/tidegate/tidegate/shards"
)

func testConfig(t *testing.T, yaml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("test.yaml", []byte(yaml), os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	cfg.Listen.HTTP = "127.0.0.1:0"
	cfg.MQTT.Listen = "127.0.0.1:0"
	cfg.RTSP.Listen = "127.0.0.1:0"
	cfg.WebRTC.UDP = "127.0.0.1:0"
	return cfg
}

func startGateway(t *testing.T, cfg *config.Config) *Gateway {
	t.Helper()
	g := New(cfg, testLogger(), "test")
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Shutdown(context.Background()) })
	return g
}

func kinesisClient(g *Gateway, id, secret string) *kinesis.Client {
	return kinesis.New(kinesis.Options{
		BaseEndpoint: aws.String("http://" + g.Addr().String()), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), RetryMaxAttempts: 1,
	})
}

func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestGatewayServesDeclaredStreams(t *testing.T) {
	g := startGateway(t, testConfig(t, "streams:\n  - name: sensors\n    shards: 2\n"))
	base := "http://" + g.Addr().String()
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/": "sensors", "/metrics": `tidegate_stream_open_shards{stream="sensors"} 2`} {
		if code, body := get(t, http.DefaultClient, base+path); code != 200 || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d %q", path, code, body)
		}
	}
	out, err := kinesisClient(g, "any", "thing").ListStreams(context.Background(), &kinesis.ListStreamsInput{})
	if err != nil || !slices.Contains(out.StreamNames, "sensors") {
		t.Fatalf("ListStreams: %v, %v", out.StreamNames, err)
	}
	// The request metrics count it.
	if _, body := get(t, http.DefaultClient, base+"/metrics"); !strings.Contains(body, `operation="ListStreams"`) {
		t.Error("no request metric for ListStreams")
	}
}

func TestGatewaySpeaksHTTP2WithoutTLS(t *testing.T) {
	g := startGateway(t, testConfig(t, ""))
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	c := &http.Client{Transport: tr}
	resp, err := c.Get("http://" + g.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Fatalf("served %s", resp.Proto)
	}
}

func TestGatewayAuthAndReload(t *testing.T) {
	t.Setenv("TEST_SECRET", "s3cret")
	cfg := testConfig(t, "auth:\n  access_keys:\n    - id: AKIDTEST\n      secret_env: TEST_SECRET\n")
	g := startGateway(t, cfg)
	ctx := context.Background()
	if _, err := kinesisClient(g, "AKIDTEST", "s3cret").ListStreams(ctx, &kinesis.ListStreamsInput{}); err != nil {
		t.Fatalf("signed with the right key: %v", err)
	}
	_, err := kinesisClient(g, "AKIDTEST", "wrong").ListStreams(ctx, &kinesis.ListStreamsInput{})
	if code := apiCode(err); code != "InvalidSignatureException" {
		t.Fatalf("wrong secret: %v", err)
	}

	// Reload: a new stream, a new key; the old key stops working.
	next := testConfig(t, "auth:\n  access_keys:\n    - id: AKIDNEW\n      secret: other\nstreams:\n  - name: added\n")
	next.DataDir, next.Listen = cfg.DataDir, cfg.Listen
	applied, restart, err := g.Reload(next)
	if err != nil || len(applied) == 0 || len(restart) != 0 {
		t.Fatalf("reload: %v %v %v", applied, restart, err)
	}
	if _, err := kinesisClient(g, "AKIDTEST", "s3cret").ListStreams(ctx, &kinesis.ListStreamsInput{}); apiCode(err) != "UnrecognizedClientException" {
		t.Fatalf("old key after reload: %v", err)
	}
	out, err := kinesisClient(g, "AKIDNEW", "other").ListStreams(ctx, &kinesis.ListStreamsInput{})
	if err != nil || !slices.Contains(out.StreamNames, "added") {
		t.Fatalf("after reload: %v, %v", out.StreamNames, err)
	}
}

func TestReloadReconcilesStreams(t *testing.T) {
	cfg := testConfig(t, "streams:\n  - name: s\n    shards: 1\n    retention: 24h\n")
	g := startGateway(t, cfg)
	next := testConfig(t, "streams:\n  - name: s\n    shards: 6\n    retention: 48h\n    max_bytes: 1GiB\n    on_full: reject_new\n")
	next.DataDir, next.Listen = cfg.DataDir, cfg.Listen
	if _, _, err := g.Reload(next); err != nil {
		t.Fatal(err)
	}
	s, _ := g.Store().Stream("s")
	c := s.Config()
	if c.Shards != 6 || c.Retention != 48*time.Hour || c.MaxBytes != 1<<30 || c.OnFull != "reject_new" {
		t.Fatalf("after reload: %+v", c)
	}
}

func TestShutdownClosesTheStore(t *testing.T) {
	cfg := testConfig(t, "streams:\n  - name: s\n")
	g := New(cfg, slog.New(slog.DiscardHandler), "test")
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	addr := g.Addr().String()
	if err := g.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Fatal("still listening after shutdown")
	}
	// The data directory can be opened again at once: nothing holds it.
	g2 := startGateway(t, cfg)
	if _, err := g2.Store().Stream("s"); err != nil {
		t.Fatal(err)
	}
	if _, err := filepath.Glob(filepath.Join(cfg.DataDir, "iterator.key")); err != nil {
		t.Fatal(err)
	}
}

func TestIteratorKeyPersists(t *testing.T) {
	dir := t.TempDir()
	a, err := iteratorKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := iteratorKey(dir)
	if err != nil || string(a) != string(b) || len(a) != 32 {
		t.Fatalf("key changed across opens: %x %x %v", a, b, err)
	}
}

func TestTLSServesHTTP2(t *testing.T) {
	cert, key := selfsigned.Write(t)
	cfg := testConfig(t, "")
	cfg.Listen.TLS = &config.TLS{CertFile: cert, KeyFile: key}
	g := startGateway(t, cfg)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true}}
	resp, err := c.Get("https://" + g.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Fatalf("served %s over TLS", resp.Proto)
	}
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestDevicesREST(t *testing.T) {
	g := startGateway(t, testConfig(t, ""))
	g.Devices().Seen("node-7", "mqtt", map[string]any{"t": 21.5}, time.Time{})
	base := "http://" + g.Addr().String()
	if code, body := get(t, http.DefaultClient, base+"/api/v1/devices"); code != 200 || !strings.Contains(body, `"id":"node-7"`) || !strings.Contains(body, `"online":true`) {
		t.Fatalf("devices: %d %s", code, body)
	}
	if code, body := get(t, http.DefaultClient, base+"/api/v1/devices/node-7"); code != 200 || !strings.Contains(body, `"t":21.5`) {
		t.Fatalf("device: %d %s", code, body)
	}
	if code, _ := get(t, http.DefaultClient, base+"/api/v1/devices/none"); code != 404 {
		t.Fatalf("unknown device: %d", code)
	}
	if _, body := get(t, http.DefaultClient, base+"/metrics"); !strings.Contains(body, `tidegate_device_messages_total{device="node-7",source="mqtt"} 1`) {
		t.Fatal("no device metric")
	}
}

func TestSimulatedSensorFeedsItsStream(t *testing.T) {
	g := startGateway(t, testConfig(t, "streams:\n  - name: sensors\nsensors:\n  - {name: demo-air, type: bme280, bus: sim, interval: 50ms, stream: sensors}\n"))
	s, _ := g.Store().Stream("sensors")
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats().RecordsIn < 2 {
		if time.Now().After(deadline) {
			t.Fatal("no readings from the simulated BME280")
		}
		time.Sleep(20 * time.Millisecond)
	}
	d, ok := g.Devices().Get("demo-air")
	if !ok || !d.Online || d.Source != "sensor" || d.LastValues["temperature_c"] == nil {
		t.Fatalf("registry: %+v", d)
	}
}

func readAllRecords(t *testing.T, s *shards.Stream) []shards.Record {
	t.Helper()
	var out []shards.Record
	for _, sh := range s.Shards() {
		c, _ := s.Iterator(sh.ShardID, shards.TrimHorizon, "", time.Time{})
		for {
			res, err := s.Read(c, shards.MaxRecordsPerRead)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, res.Records...)
			if len(res.Records) == 0 || res.Closed {
				break
			}
			c = res.Next
		}
	}
	return out
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// testLogger is silent unless TIDEGATE_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("TIDEGATE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}
