package firehoseapi

import (
	"slices"
	"strings"
	"testing"

	"github.com/tidegate/tidegate/internal/peer"
)

// TestAWSCLI drives the API with the AWS CLI, v1 or v2, when it is
// installed; under CI=true a missing CLI is a failure.
func TestAWSCLI(t *testing.T) {
	e := newEnv(t)
	cli := peer.NewAWSCLI(t, e.srv.URL, "AKIDTIDEGATECLI")
	var extra []string
	if cli.V2 {
		// CLI v2 reads blobs as base64 unless told otherwise; v1 sends
		// the text as it is (base64-encoded on the wire by botocore).
		extra = []string{"--cli-binary-format", "raw-in-base64-out"}
	}
	run := func(args ...string) map[string]any {
		t.Helper()
		return cli.Run(args, extra...)
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
