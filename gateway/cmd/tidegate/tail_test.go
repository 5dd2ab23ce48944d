package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestTailFollowExitsWhenAShardFails: when the reader of one shard fails, `tail
// --follow` stops the others and exits with the error. It used to keep following the
// healthy shard forever and never report the failure.
func TestTailFollowExitsWhenAShardFails(t *testing.T) {
	ep := startGateway(t)
	cli(t, ep, "", "streams", "create", "sensors", "--shards", "2")
	cli(t, ep, "", "put", "sensors", "--key", "k", "hello")
	target, _ := url.Parse(ep)
	gw := httputil.NewSingleHostReverseProxy(target)
	// Between the CLI and the gateway: the second shard cannot be read.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".GetShardIterator") && bytes.Contains(body, []byte("shardId-000000000001")) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"__type":"ResourceNotFoundException","message":"shard gone (injected)"}`))
			return
		}
		gw.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := tidegate(t, "tail", "sensors", "--follow")
	cmd.Env = append(cmd.Env, "TIDEGATE_ENDPOINT="+proxy.URL, "AWS_ACCESS_KEY_ID=", "TIDEGATE_ACCESS_KEY_ID=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if code := exitCode(err); code != 1 || !strings.Contains(stderr.String(), "shard gone (injected)") {
			t.Fatalf("exit %d, stderr %q; want 1 and the shard's error", code, &stderr)
		}
	case <-ctx.Done():
		cmd.Process.Kill()
		<-done
		t.Fatalf("tail --follow still runs 20 s after a shard's reader failed (stdout %q)", &stdout)
	}
}
