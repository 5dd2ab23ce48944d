package firehose

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/peer"
)

// TestAWSCLI drives the API with the AWS CLI, v1 or v2, when it is
// installed; under CI=true a missing CLI is a failure.
func TestAWSCLI(t *testing.T) {
	bin, err := exec.LookPath("aws")
	if err != nil {
		peer.Missing(t, "the AWS CLI (aws)")
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
			// CLI v2 reads blobs as base64 unless told otherwise; v1 sends
			// the text as it is (base64-encoded on the wire by botocore).
			full = append(full, "--no-cli-pager", "--cli-binary-format", "raw-in-base64-out")
		}
		cmd := exec.CommandContext(ctx, bin, append(full, args...)...)
		cmd.Env = append(env,
			"AWS_ACCESS_KEY_ID=AKIDTIDEGATECLI", "AWS_SECRET_ACCESS_KEY=secret",
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

	c := run("firehose", "create-delivery-stream", "--delivery-stream-name", "cli",
		"--extended-s3-destination-configuration", `{"RoleARN":"arn:aws:iam::000000000000:role/r","BucketARN":"arn:aws:s3:::cli-bucket","CompressionFormat":"GZIP"}`)
	if c["DeliveryStreamARN"] != "arn:aws:firehose:us-east-1:000000000000:deliverystream/cli" {
		t.Errorf("create-delivery-stream: %v", c)
	}
	p := run("firehose", "put-record", "--delivery-stream-name", "cli", "--record", "Data=hello")
	b := run("firehose", "put-record-batch", "--delivery-stream-name", "cli", "--records", `[{"Data":"one"},{"Data":"two"},{"Data":"three"}]`)
	if n, _ := b["FailedPutCount"].(float64); n != 0 || len(b["RequestResponses"].([]any)) != 3 {
		t.Errorf("put-record-batch: %v", b)
	}
	recs := readStream(t, e.store, "cli")
	var data []string
	for _, r := range recs {
		data = append(data, string(r.Data))
		if r.PartitionKey != "AKIDTIDEGATECLI" {
			t.Errorf("partition key %q, want the CLI's access key id", r.PartitionKey)
		}
	}
	if strings.Join(data, ",") != "hello,one,two,three" || len(recs) == 0 || p["RecordId"] != recs[0].SequenceNumber() {
		t.Errorf("stream holds %q; put-record said %v", data, p)
	}
	d := run("firehose", "describe-delivery-stream", "--delivery-stream-name", "cli")
	desc, _ := d["DeliveryStreamDescription"].(map[string]any)
	if desc["DeliveryStreamStatus"] != "ACTIVE" || desc["DeliveryStreamType"] != "DirectPut" {
		t.Errorf("describe-delivery-stream: %v", d)
	}
	l := run("firehose", "list-delivery-streams")
	if names, _ := l["DeliveryStreamNames"].([]any); !slices.Contains(names, any("cli")) {
		t.Errorf("list-delivery-streams: %v", l)
	}
	run("firehose", "delete-delivery-stream", "--delivery-stream-name", "cli")
	if _, ok := e.dels.spec("cli"); ok {
		t.Error("delivery still runs after delete-delivery-stream")
	}
}
