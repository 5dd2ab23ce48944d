package kinesis

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestAWSCLI drives the API with the AWS CLI, v1 or v2, when it is
// installed. Under CI=true a missing CLI is a failure (make deps installs it).
func TestAWSCLI(t *testing.T) {
	bin, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the AWS CLI (aws) is not on PATH; under CI it is required (make deps)")
		}
		t.Skip("the AWS CLI (aws) is not on PATH: skipping; install it (make deps) to run this test")
	}
	ver, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("aws --version: %v: %s", err, ver)
	}
	v2 := strings.HasPrefix(string(ver), "aws-cli/2")
	e := newEnv(t)
	// The user's own AWS settings (profile, region, keys) must not leak in.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}

	run := func(args ...string) map[string]any {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		full := []string{"--endpoint-url", e.srv.URL, "--region", "us-east-1", "--output", "json"}
		if v2 {
			full = append(full, "--no-cli-pager")
		}
		cmd := exec.CommandContext(ctx, bin, append(full, args...)...)
		cmd.Env = append(env,
			"AWS_ACCESS_KEY_ID=AKIDTIDEGATETEST", "AWS_SECRET_ACCESS_KEY=secret",
			"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
			"AWS_PAGER=", "AWS_MAX_ATTEMPTS=1")
		out, err := cmd.Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("aws %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
		}
		var m map[string]any
		if len(strings.TrimSpace(string(out))) > 0 {
			if err := json.Unmarshal(out, &m); err != nil {
				t.Fatalf("aws %s: output %q: %v", strings.Join(args, " "), out, err)
			}
		}
		return m
	}

	run("kinesis", "create-stream", "--stream-name", "cli", "--shard-count", "1")
	// CLI v2 reads blob arguments as base64 unless told otherwise; v1 sends
	// the text as it is (base64-encoded on the wire by botocore).
	put := []string{"kinesis", "put-record", "--stream-name", "cli", "--partition-key", "k", "--data", "hello"}
	if v2 {
		put = append(put, "--cli-binary-format", "raw-in-base64-out")
	}
	p := run(put...)
	if p["ShardId"] != "shardId-000000000000" || len(p["SequenceNumber"].(string)) != 56 {
		t.Errorf("put-record: %v", p)
	}
	it := run("kinesis", "get-shard-iterator", "--stream-name", "cli", "--shard-id", "shardId-000000000000", "--shard-iterator-type", "TRIM_HORIZON")
	g := run("kinesis", "get-records", "--shard-iterator", it["ShardIterator"].(string))
	recs, _ := g["Records"].([]any)
	if len(recs) != 1 {
		t.Fatalf("get-records: %v", g)
	}
	rec := recs[0].(map[string]any)
	data, err := base64.StdEncoding.DecodeString(rec["Data"].(string))
	if err != nil || string(data) != "hello" || rec["SequenceNumber"] != p["SequenceNumber"] {
		t.Errorf("get-records: data %q (%v), record %v", data, err, rec)
	}
	l := run("kinesis", "list-streams")
	names, _ := l["StreamNames"].([]any)
	if !slices.Contains(names, any("cli")) {
		t.Errorf("list-streams: %v", l)
	}
	run("kinesis", "delete-stream", "--stream-name", "cli")
	if n := e.store.Streams(); len(n) != 0 {
		t.Errorf("after delete-stream: %v", n)
	}
}
