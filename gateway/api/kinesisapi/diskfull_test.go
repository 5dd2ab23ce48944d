package kinesisapi

import (
	"bytes"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/tidegate/tidegate/internal/disk"
	"github.com/tidegate/tidegate/shards"
)

// fullDisk is a disk guard over a disk that has 50 MiB free with a 1 MiB
// reserve, until the test says otherwise.
func fullDisk(t *testing.T) (*disk.Guard, func(free int64)) {
	t.Helper()
	var free atomic.Int64
	free.Store(50 << 20)
	g, err := disk.New(t.TempDir(), disk.Options{Reserve: disk.Reserve{Bytes: 1 << 20},
		Statfs: func(string) (disk.Space, error) { return disk.Space{Total: 100 << 20, Free: free.Load()}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	return g, func(n int64) { free.Store(n); g.Refresh(nil) }
}

var diskFullText = regexp.MustCompile(`^data directory full: \d+ bytes free, reserve 1048576$`)

// TestDiskFullIsThroughputExceeded: a full disk is refused per record in
// PutRecords, and for the call in PutRecord, with the throughput error every
// SDK retries and the guard's words; before, it was InternalFailure, HTTP
// 500, the reason only in the log.
func TestDiskFullIsThroughputExceeded(t *testing.T) {
	g, setFree := fullDisk(t)
	e := newEnvOn(t, shards.Options{Space: g})
	e.create(t, "s", 2)
	ctx := ctxT(t)
	chunk := bytes.Repeat([]byte("x"), 300<<10)
	put := func() *sdk.PutRecordsOutput {
		t.Helper()
		out, err := e.client.PutRecords(ctx, &sdk.PutRecordsInput{StreamName: aws.String("s"), Records: []types.PutRecordsRequestEntry{
			{PartitionKey: aws.String("a"), Data: chunk}, {PartitionKey: aws.String("b"), Data: chunk}}})
		if err != nil {
			t.Fatalf("PutRecords: %v", err)
		}
		return out
	}
	if out := put(); aws.ToInt32(out.FailedRecordCount) != 0 {
		t.Fatalf("with room: %+v", out.Records[0])
	}
	setFree(1 << 20) // at the reserve
	out := put()
	if aws.ToInt32(out.FailedRecordCount) != 2 {
		t.Fatalf("on a full disk %d failed", aws.ToInt32(out.FailedRecordCount))
	}
	for _, r := range out.Records {
		if aws.ToString(r.ErrorCode) != "ProvisionedThroughputExceededException" || !diskFullText.MatchString(aws.ToString(r.ErrorMessage)) || r.SequenceNumber != nil {
			t.Errorf("record %+v", r)
		}
	}
	_, err := e.client.PutRecord(ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: []byte("x")})
	if ae := wantAPIError(t, err, "ProvisionedThroughputExceededException"); !diskFullText.MatchString(ae.ErrorMessage()) {
		t.Errorf("PutRecord: %q", ae.ErrorMessage())
	}
	setFree(50 << 20)
	if out := put(); aws.ToInt32(out.FailedRecordCount) != 0 {
		t.Errorf("after space returned: %+v", out.Records[0])
	}
}
