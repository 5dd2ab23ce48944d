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
