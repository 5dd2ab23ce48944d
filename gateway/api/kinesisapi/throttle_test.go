package kinesisapi

import (
	"bytes"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// frozenClock is a clock that moves only when told.
type frozenClock struct{ t time.Time }

func (c *frozenClock) Now() time.Time { return c.t }

func TestThrottling(t *testing.T) {
	clock := &frozenClock{time.Now()}
	e := newEnv(t, func(a *API) {
		a.Clock = clock.Now
		a.Throttled = func(stream string) bool { return stream == "slow" }
	})
	ctx := ctxT(t)
	e.create(t, "slow", 1)
	e.create(t, "fast", 1)
	batch := func(n, size int) []types.PutRecordsRequestEntry {
		out := make([]types.PutRecordsRequestEntry, n)
		for i := range out {
			out[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String(keyN(i)), Data: bytes.Repeat([]byte{'x'}, size)}
		}
		return out
	}
	put := func(stream string, n, size int) (ok, failed int) {
		t.Helper()
		out, err := e.client.PutRecords(ctx, &sdk.PutRecordsInput{StreamName: aws.String(stream), Records: batch(n, size)})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out.Records {
			if r.ErrorCode == nil {
				ok++
			} else if aws.ToString(r.ErrorCode) != "ProvisionedThroughputExceededException" {
				t.Fatalf("error code %s", aws.ToString(r.ErrorCode))
			}
		}
		if int(aws.ToInt32(out.FailedRecordCount)) != n-ok {
			t.Fatalf("FailedRecordCount %d, %d of %d failed", aws.ToInt32(out.FailedRecordCount), n-ok, n)
		}
		return ok, n - ok
	}

	// 1,000 records/s: three calls of 500 in the same instant.
	total := 0
	for range 3 {
		ok, _ := put("slow", 500, 10)
		total += ok
	}
	if total != 1000 {
		t.Errorf("%d records accepted in one second, want 1000", total)
	}
	_, err := e.client.PutRecord(ctx, &sdk.PutRecordInput{StreamName: aws.String("slow"), PartitionKey: aws.String("k"), Data: []byte("x")})
	wantAPIError(t, err, "ProvisionedThroughputExceededException")
	if ok, _ := put("fast", 500, 10); ok != 500 {
		t.Errorf("an unthrottled stream accepted %d of 500", ok)
	}

	// 1 MiB/s: 500 records of 4 KiB are 2 MiB.
	clock.t = clock.t.Add(time.Second)
	if ok, failed := put("slow", 500, 4096); ok < 240 || ok > 256 || failed == 0 {
		t.Errorf("4 KiB records: %d accepted, %d failed; want about 256", ok, failed)
	}

	// 5 GetRecords calls/s.
	clock.t = clock.t.Add(time.Second)
	it := e.iterator(t, "slow", "shardId-000000000000", types.ShardIteratorTypeLatest)
	for i := range 6 {
		out, err := e.client.GetRecords(ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(it)})
		if i < 5 {
			if err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
			it = aws.ToString(out.NextShardIterator)
			continue
		}
		wantAPIError(t, err, "ProvisionedThroughputExceededException")
	}

	// 2 MiB/s out: a read of about 3 MiB leaves a debt that refuses the
	// next call until it is paid.
	for range 12 {
		clock.t = clock.t.Add(time.Second)
		put("slow", 250, 1000)
	}
	clock.t = clock.t.Add(time.Second)
	it = e.iterator(t, "slow", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon)
	out, err := e.client.GetRecords(ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(it)})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(out.Records); n < 3000 {
		t.Fatalf("read %d records", n)
	}
	_, err = e.client.GetRecords(ctx, &sdk.GetRecordsInput{ShardIterator: out.NextShardIterator})
	wantAPIError(t, err, "ProvisionedThroughputExceededException")
	clock.t = clock.t.Add(2 * time.Second)
	if _, err := e.client.GetRecords(ctx, &sdk.GetRecordsInput{ShardIterator: out.NextShardIterator}); err != nil {
		t.Fatalf("after the debt is paid: %v", err)
	}
}
