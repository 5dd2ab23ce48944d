package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/gateway"
	"github.com/tidegate/tidegate/gateway/api/sigv4"
	"github.com/tidegate/tidegate/gateway/config"
)

// noCredentials clears every variable the CLI takes credentials from.
func noCredentials(t *testing.T) {
	for _, v := range []string{"TIDEGATE_ACCESS_KEY_ID", "TIDEGATE_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
		"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "TIDEGATE_TOKEN"} {
		t.Setenv(v, "")
	}
}

// recorder answers 200 {} and keeps the last request with its body.
type recorder struct {
	req  *http.Request
	body []byte
}

func (rec *recorder) server(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.body, _ = io.ReadAll(r.Body)
		rec.req = r
		w.Write([]byte("{}"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestRESTCallSignsWithTheSessionToken: temporary AWS credentials are signed together
// with their session token, as every AWS SDK signs them; the REST calls used to drop it.
// The gateway's verifier then refuses the request as AWS refuses a token it did not
// issue (the gateway issues none), instead of a signature it cannot match.
func TestRESTCallSignsWithTheSessionToken(t *testing.T) {
	noCredentials(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "ASIATEMP")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "temp-secret")
	t.Setenv("AWS_SESSION_TOKEN", "FwoGZXIvYXdzEBYaDH")
	var rec recorder
	srv := rec.server(t)
	c := clientFlags{endpoint: srv.URL, region: "us-east-1", timeout: 5 * time.Second}
	if err := c.restCall("POST", srv.URL+"/api/v1/deliveries", []byte(`{"name":"x"}`), nil); err != nil {
		t.Fatal(err)
	}
	if got := rec.req.Header.Get("X-Amz-Security-Token"); got != "FwoGZXIvYXdzEBYaDH" {
		t.Fatalf("X-Amz-Security-Token %q", got)
	}
	if !strings.Contains(rec.req.Header.Get("Authorization"), "x-amz-security-token") {
		t.Errorf("the session token is not signed: %s", rec.req.Header.Get("Authorization"))
	}
	v := &sigv4.Verifier{Keys: map[string]string{"ASIATEMP": "temp-secret"}, Service: "tidegate"}
	err := v.Verify(rec.req, rec.body)
	if se, ok := errors.AsType[*sigv4.Error](err); !ok || se.Type != sigv4.TypeUnrecognizedClient {
		t.Errorf("the gateway's verifier: %v, want %s", err, sigv4.TypeUnrecognizedClient)
	}
}

// TestTidegateKeysIgnoreTheAWSSessionToken: an AWS session token in the shell belongs
// to the AWS_* key pair, not to the gateway's own TIDEGATE_* pair; the Kinesis commands
// used to sign the TIDEGATE_* pair with it, which the gateway refused.
func TestTidegateKeysIgnoreTheAWSSessionToken(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir, cfg.Listen.HTTP, cfg.MQTT.Listen, cfg.RTSP.Listen = t.TempDir(), "127.0.0.1:0", "-", "-"
	cfg.Auth.AccessKeys = []config.AccessKey{{ID: "AKIDTEST", Secret: config.NewSecret("s3cret")}}
	g := gateway.New(cfg, slog.New(slog.DiscardHandler), "test")
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Shutdown(context.Background()) })
	cmd := tidegate(t, "streams", "ls")
	cmd.Env = append(cmd.Env, "TIDEGATE_ENDPOINT=http://"+g.Addr().String(), "TIDEGATE_ACCESS_KEY_ID=AKIDTEST",
		"TIDEGATE_SECRET_ACCESS_KEY=s3cret", "AWS_SESSION_TOKEN=FwoGZXIvYXdzEBYaDH", "TIDEGATE_TOKEN=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("streams ls: %v\n%s", err, out)
	}
}

// TestRESTCallSendsTheToken: with no keys, $TIDEGATE_TOKEN goes as a bearer token, so
// the CLI reaches a gateway closed with tokens only.
func TestRESTCallSendsTheToken(t *testing.T) {
	const token = "tok-0123456789abcdef"
	cfg := config.Default()
	cfg.DataDir, cfg.Listen.HTTP, cfg.MQTT.Listen, cfg.RTSP.Listen = t.TempDir(), "127.0.0.1:0", "-", "-"
	cfg.Auth.Tokens = []config.Token{{Name: "cli", Secret: config.NewSecret(token)}}
	g := gateway.New(cfg, slog.New(slog.DiscardHandler), "test")
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Shutdown(context.Background()) })
	for _, tt := range []struct {
		token string
		ok    bool
	}{{token, true}, {"", false}, {"tok-wrong-0123456789", false}} {
		cmd := tidegate(t, "deliveries", "ls")
		cmd.Env = append(cmd.Env, "TIDEGATE_ENDPOINT=http://"+g.Addr().String(), "TIDEGATE_ACCESS_KEY_ID=",
			"AWS_ACCESS_KEY_ID=", "TIDEGATE_TOKEN="+tt.token)
		out, err := cmd.CombinedOutput()
		if (err == nil) != tt.ok {
			t.Errorf("TIDEGATE_TOKEN=%q: %v\n%s", tt.token, err, out)
		}
		if !tt.ok && !strings.Contains(string(out), "GET /api/v1/deliveries: ") {
			t.Errorf("TIDEGATE_TOKEN=%q: the error does not say which call failed: %s", tt.token, out)
		}
	}
}

// TestRESTCallTimesOut: a gateway that accepts the request but never answers ends the
// call with an error after the timeout; it used to wait forever.
func TestRESTCallTimesOut(t *testing.T) {
	noCredentials(t)
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(stop); srv.Close() })
	c := clientFlags{endpoint: srv.URL, timeout: 200 * time.Millisecond}
	done := make(chan error, 1)
	go func() { done <- c.restCall("GET", srv.URL+"/api/v1/deliveries", nil, new(any)) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "GET /api/v1/deliveries") {
			t.Fatalf("err = %v, want a timeout naming the call", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the call still waits for an answer after 10 s with a 200 ms timeout")
	}
}

// TestRESTCallReportsReadErrors: an answer cut short is an error even after a success
// status; `deliveries rm` used to report success on it.
func TestRESTCallReportsReadErrors(t *testing.T) {
	noCredentials(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		fmt.Fprint(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":")
		buf.Flush()
		conn.Close()
	}))
	t.Cleanup(srv.Close)
	c := clientFlags{endpoint: srv.URL, timeout: 5 * time.Second}
	err := c.restCall("DELETE", srv.URL+"/api/v1/deliveries/x", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "reading the answer") {
		t.Fatalf("err = %v, want a read error", err)
	}
}

// TestReshardNeedsShards: `streams reshard NAME` without --shards is a usage error; it
// used to reshard to 1 shard, the flag's default for create.
func TestReshardNeedsShards(t *testing.T) {
	cmd := tidegate(t, "streams", "reshard", "sensors")
	cmd.Env = append(cmd.Env, "TIDEGATE_ENDPOINT=http://127.0.0.1:1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if code := exitCode(cmd.Run()); code != 2 || !strings.Contains(stderr.String(), "--shards N is required") {
		t.Fatalf("exit %d, stderr %q; want 2 and a usage error", code, &stderr)
	}
}
