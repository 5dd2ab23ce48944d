package kinesisapi

import (
	"encoding/base64"
	"slices"
	"testing"

	"github.com/tidegate/tidegate/internal/peer"
)

// TestAWSCLI drives the API with the AWS CLI, v1 or v2, when it is
// installed. Under CI=true a missing CLI is a failure (make deps installs it).
func TestAWSCLI(t *testing.T) {
	e := newEnv(t)
	cli := peer.NewAWSCLI(t, e.srv.URL, "AKIDTIDEGATETEST")
	v2 := cli.V2
	run := func(args ...string) map[string]any {
		t.Helper()
		return cli.Run(args)
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

// TestAWSCLIInfrastructureOperations: what infrastructure tools call through
// the CLI — stream mode, enhanced monitoring, encryption, tags by ARN — is
// accepted and shows in the describes.
func TestAWSCLIInfrastructureOperations(t *testing.T) {
	e := newEnv(t)
	cli := peer.NewAWSCLI(t, e.srv.URL, "AKIDTIDEGATETEST")
	run := func(args ...string) map[string]any {
		t.Helper()
		return cli.Run(args)
	}
	run("kinesis", "create-stream", "--stream-name", "infra", "--stream-mode-details", "StreamMode=ON_DEMAND")
	arn := e.api.streamARN("infra")
	run("kinesis", "tag-resource", "--resource-arn", arn, "--tags", "site=north,env=prod")
	run("kinesis", "untag-resource", "--resource-arn", arn, "--tag-keys", "env")
	tags := run("kinesis", "list-tags-for-resource", "--resource-arn", arn)["Tags"].([]any)
	if len(tags) != 1 || tags[0].(map[string]any)["Key"] != "site" {
		t.Errorf("list-tags-for-resource: %v", tags)
	}
	en := run("kinesis", "enable-enhanced-monitoring", "--stream-name", "infra", "--shard-level-metrics", "ALL")
	if d, _ := en["DesiredShardLevelMetrics"].([]any); len(d) != 7 {
		t.Errorf("enable-enhanced-monitoring: %v", en)
	}
	run("kinesis", "start-stream-encryption", "--stream-name", "infra", "--encryption-type", "KMS", "--key-id", "alias/aws/kinesis")
	sum := run("kinesis", "describe-stream-summary", "--stream-name", "infra")["StreamDescriptionSummary"].(map[string]any)
	metrics := sum["EnhancedMonitoring"].([]any)[0].(map[string]any)["ShardLevelMetrics"].([]any)
	if sum["StreamModeDetails"].(map[string]any)["StreamMode"] != "ON_DEMAND" || sum["EncryptionType"] != "KMS" ||
		sum["KeyId"] != "alias/aws/kinesis" || len(metrics) != 7 {
		t.Errorf("describe-stream-summary: %v", sum)
	}
	lim := run("kinesis", "describe-limits")
	if lim["OnDemandStreamCount"] != float64(1) {
		t.Errorf("describe-limits: %v", lim)
	}
	run("kinesis", "update-stream-mode", "--stream-arn", arn, "--stream-mode-details", "StreamMode=PROVISIONED")
	// The CLI's paginator for describe-stream keeps only the keys it lists,
	// StreamModeDetails not among them: ask for the one page as it came.
	d := cli.Run([]string{"kinesis", "describe-stream", "--stream-name", "infra"}, "--no-paginate")["StreamDescription"].(map[string]any)
	if d["StreamModeDetails"].(map[string]any)["StreamMode"] != "PROVISIONED" {
		t.Errorf("describe-stream after update-stream-mode: %v", d["StreamModeDetails"])
	}
}
