package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/peer"
)

// TestJavaScriptSDK drives the Kinesis API with the AWS SDK for JavaScript v3
// (testdata/jssdk/kinesis.cjs), signed with a configured access key: create,
// describe, PutRecord, PutRecords, ListShards, GetShardIterator and GetRecords,
// then an enhanced fan-out consumer receiving over SubscribeToShard, which
// the SDK only speaks over HTTP/2 (here without TLS).
func TestJavaScriptSDK(t *testing.T) {
	node, env := peer.NodeScript(t, "@aws-sdk/client-kinesis")
	t.Setenv("TEST_SECRET", "js-secret")
	cfg := testConfig(t, "auth:\n  access_keys:\n    - id: AKIDJS\n      secret_env: TEST_SECRET\n")
	g := startGateway(t, cfg)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("testdata", "jssdk", "kinesis.cjs"))
	cmd.Env = append(env, "TIDEGATE_ENDPOINT=http://"+g.Addr().String(), "TIDEGATE_KEY_ID=AKIDJS", "TIDEGATE_SECRET=js-secret")
	raw, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Logf("stderr: %s", ee.Stderr)
	}
	var out struct {
		Error            string   `json:"error"`
		Status           string   `json:"status"`
		StreamARN        string   `json:"streamARN"`
		Failed           int      `json:"failed"`
		Shards           int      `json:"shards"`
		Read             []int    `json:"read"`
		Pushed           []string `json:"pushed"`
		SubscribeTimeout bool     `json:"subscribeTimeout"`
		Streams          []string `json:"streams"`
	}
	if jerr := json.Unmarshal(raw, &out); jerr != nil {
		t.Fatalf("script output %q (%v): %v", raw, err, jerr)
	}
	if out.Error != "" || err != nil {
		t.Fatalf("JavaScript SDK: %s (%v)", out.Error, err)
	}
	if out.Status != "ACTIVE" || !strings.HasSuffix(out.StreamARN, ":stream/js") || out.Shards != 2 || out.Failed != 0 {
		t.Fatalf("describe/put: %+v", out)
	}
	if len(out.Read) != 100 {
		t.Fatalf("read back %d records, want 100: %v", len(out.Read), out.Read)
	}
	for i, n := range out.Read {
		if n != i {
			t.Fatalf("read back %v: record %d missing or repeated", out.Read, i)
		}
	}
	if out.SubscribeTimeout || !slices.Contains(out.Pushed, `{"n":"live"}`) {
		t.Fatalf("SubscribeToShard pushed %q (timed out: %v)", out.Pushed, out.SubscribeTimeout)
	}
	if !slices.Contains(out.Streams, "js") {
		t.Fatalf("ListStreams: %v", out.Streams)
	}
}
