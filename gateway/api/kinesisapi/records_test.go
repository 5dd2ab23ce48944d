package kinesisapi

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

func TestPutGetRecords(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	e.create(t, "rw", 2)
	var entries []types.PutRecordsRequestEntry
	for i := range 100 {
		entries = append(entries, types.PutRecordsRequestEntry{PartitionKey: aws.String(keyN(i % 10)), Data: []byte(fmt.Sprintf("rec-%03d", i))})
	}
	// Explicit hash keys route to the first and the last shard whatever the key.
	entries = append(entries,
		types.PutRecordsRequestEntry{PartitionKey: aws.String("x"), ExplicitHashKey: aws.String("0"), Data: []byte("low")},
		types.PutRecordsRequestEntry{PartitionKey: aws.String("x"), ExplicitHashKey: aws.String("340282366920938463463374607431768211455"), Data: []byte("high")})
	before := time.Now().Add(-time.Second)
	out, err := e.client.PutRecords(ctx, &sdk.PutRecordsInput{StreamName: aws.String("rw"), Records: entries})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.FailedRecordCount) != 0 || len(out.Records) != len(entries) || out.EncryptionType != types.EncryptionTypeNone {
		t.Fatalf("failed %d, %d results", aws.ToInt32(out.FailedRecordCount), len(out.Records))
	}
	if got := aws.ToString(out.Records[100].ShardId); got != "shardId-000000000000" {
		t.Errorf("hash key 0 went to %s", got)
	}
	if got := aws.ToString(out.Records[101].ShardId); got != "shardId-000000000001" {
		t.Errorf("hash key 2^128-1 went to %s", got)
	}
	// PutRecord with ExplicitHashKey.
	p, err := e.client.PutRecord(ctx, &sdk.PutRecordInput{StreamName: aws.String("rw"), PartitionKey: aws.String("y"),
		ExplicitHashKey: aws.String("170141183460469231731687303715884105728"), Data: []byte("mid")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(p.ShardId) != "shardId-000000000001" || len(aws.ToString(p.SequenceNumber)) != 56 {
		t.Errorf("PutRecord at 2^127: %s %s", aws.ToString(p.ShardId), aws.ToString(p.SequenceNumber))
	}

	seqs := map[string]string{} // sequence number → data
	for i, r := range out.Records {
		seqs[aws.ToString(r.SequenceNumber)] = string(entries[i].Data)
	}
	seqs[aws.ToString(p.SequenceNumber)] = "mid"
	total := 0
	for _, shard := range []string{"shardId-000000000000", "shardId-000000000001"} {
		recs, last := e.readAll(t, e.iterator(t, "rw", shard, types.ShardIteratorTypeTrimHorizon))
		if last.NextShardIterator == nil {
			t.Errorf("open shard %s: NextShardIterator nil", shard)
		}
		perKey := map[string]string{}
		for _, r := range recs {
			seq := aws.ToString(r.SequenceNumber)
			if seqs[seq] != string(r.Data) {
				t.Errorf("record %s: data %q, want %q", seq, r.Data, seqs[seq])
			}
			if ts := aws.ToTime(r.ApproximateArrivalTimestamp); ts.Before(before) || ts.After(time.Now().Add(time.Second)) {
				t.Errorf("ApproximateArrivalTimestamp %v", ts)
			}
			k := aws.ToString(r.PartitionKey)
			if strings.HasPrefix(k, "key-") && string(r.Data) <= perKey[k] {
				t.Errorf("key %s: %q after %q", k, r.Data, perKey[k])
			}
			perKey[k] = string(r.Data)
		}
		total += len(recs)
	}
	if total != len(seqs) {
		t.Errorf("read %d records, put %d", total, len(seqs))
	}
}

func TestIteratorTypes(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	e.create(t, "it", 1)
	const shard = "shardId-000000000000"
	var seqs []string
	for i := range 5 {
		seqs = append(seqs, aws.ToString(e.put(t, "it", "k", fmt.Sprint(i)).SequenceNumber))
	}
	time.Sleep(20 * time.Millisecond)
	mid := time.Now()
	time.Sleep(20 * time.Millisecond)
	for i := 5; i < 8; i++ {
		seqs = append(seqs, aws.ToString(e.put(t, "it", "k", fmt.Sprint(i)).SequenceNumber))
	}
	latest := e.iterator(t, "it", shard, types.ShardIteratorTypeLatest)
	e.put(t, "it", "k", "8")

	data := func(recs []types.Record) string {
		var b strings.Builder
		for _, r := range recs {
			b.Write(r.Data)
		}
		return b.String()
	}
	get := func(in sdk.GetShardIteratorInput) string {
		in.StreamName, in.ShardId = aws.String("it"), aws.String(shard)
		out, err := e.client.GetShardIterator(ctx, &in)
		if err != nil {
			t.Fatalf("GetShardIterator %s: %v", in.ShardIteratorType, err)
		}
		recs, _ := e.readAll(t, aws.ToString(out.ShardIterator))
		return data(recs)
	}
	for _, tc := range []struct {
		name string
		in   sdk.GetShardIteratorInput
		want string
	}{
		{"TRIM_HORIZON", sdk.GetShardIteratorInput{ShardIteratorType: types.ShardIteratorTypeTrimHorizon}, "012345678"},
		{"AT_SEQUENCE_NUMBER", sdk.GetShardIteratorInput{ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: aws.String(seqs[3])}, "345678"},
		{"AFTER_SEQUENCE_NUMBER", sdk.GetShardIteratorInput{ShardIteratorType: types.ShardIteratorTypeAfterSequenceNumber, StartingSequenceNumber: aws.String(seqs[3])}, "45678"},
		{"AT_TIMESTAMP", sdk.GetShardIteratorInput{ShardIteratorType: types.ShardIteratorTypeAtTimestamp, Timestamp: aws.Time(mid)}, "5678"},
		{"LATEST now", sdk.GetShardIteratorInput{ShardIteratorType: types.ShardIteratorTypeLatest}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := get(tc.in); got != tc.want {
				t.Errorf("read %q, want %q", got, tc.want)
			}
		})
	}
	recs, _ := e.readAll(t, latest)
	if got := data(recs); got != "8" {
		t.Errorf("LATEST taken before the last put read %q", got)
	}

	// Limit and MillisBehindLatest.
	it := e.iterator(t, "it", shard, types.ShardIteratorTypeTrimHorizon)
	g, err := e.client.GetRecords(ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(it), Limit: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Records) != 2 || g.NextShardIterator == nil || aws.ToString(g.NextShardIterator) == it {
		t.Errorf("limit 2: %d records, next %v", len(g.Records), g.NextShardIterator)
	}
	if g.MillisBehindLatest == nil || *g.MillisBehindLatest < 30 {
		t.Errorf("MillisBehindLatest = %v, want ≥ 30 (records 0-1 are older than 8)", g.MillisBehindLatest)
	}
}

func TestRecordErrors(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	e.create(t, "errs", 1)
	const shard = "shardId-000000000000"
	record := func(n int) types.PutRecordsRequestEntry {
		return types.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: make([]byte, n)}
	}
	many := make([]types.PutRecordsRequestEntry, 501)
	for i := range many {
		many[i] = record(1)
	}
	big := make([]types.PutRecordsRequestEntry, 6)
	for i := range big {
		big[i] = record(1000 * 1000)
	}
	it := e.iterator(t, "errs", shard, types.ShardIteratorTypeTrimHorizon)
	tampered := []byte(it)
	tampered[10] ^= 1

	for _, tc := range []struct {
		name string
		call func() error
		want string
		msg  string
	}{
		{"missing stream", func() error {
			_, err := e.client.PutRecord(ctx, &sdk.PutRecordInput{StreamName: aws.String("nope"), PartitionKey: aws.String("k"), Data: []byte("x")})
			return err
		}, "ResourceNotFoundException", "Stream nope under account 000000000000 not found."},
		{"bad shard id", func() error {
			_, err := e.client.GetShardIterator(ctx, &sdk.GetShardIteratorInput{StreamName: aws.String("errs"), ShardId: aws.String("shardId-000000000009"), ShardIteratorType: types.ShardIteratorTypeLatest})
			return err
		}, "ResourceNotFoundException", "Shard shardId-000000000009 in stream errs"},
		{"malformed shard id", func() error {
			_, err := e.client.GetShardIterator(ctx, &sdk.GetShardIteratorInput{StreamName: aws.String("errs"), ShardId: aws.String("banana"), ShardIteratorType: types.ShardIteratorTypeLatest})
			return err
		}, "ResourceNotFoundException", ""},
		{"bad iterator type", func() error {
			_, err := e.client.GetShardIterator(ctx, &sdk.GetShardIteratorInput{StreamName: aws.String("errs"), ShardId: aws.String(shard), ShardIteratorType: "SIDEWAYS"})
			return err
		}, "ValidationException", ""},
		{"sequence number missing", func() error {
			_, err := e.client.GetShardIterator(ctx, &sdk.GetShardIteratorInput{StreamName: aws.String("errs"), ShardId: aws.String(shard), ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber})
			return err
		}, "InvalidArgumentException", ""},
		{"bad sequence number", func() error {
			_, err := e.client.GetShardIterator(ctx, &sdk.GetShardIteratorInput{StreamName: aws.String("errs"), ShardId: aws.String(shard), ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: aws.String("123")})
			return err
		}, "InvalidArgumentException", ""},
		{"garbage iterator", func() error {
			_, err := e.client.GetRecords(ctx, &sdk.GetRecordsInput{ShardIterator: aws.String("not-an-iterator")})
			return err
		}, "InvalidArgumentException", "Invalid ShardIterator."},
		{"tampered iterator", func() error {
			_, err := e.client.GetRecords(ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(string(tampered))})
			return err
		}, "InvalidArgumentException", "Invalid ShardIterator."},
		{"501 records", func() error {
			_, err := e.client.PutRecords(ctx, &sdk.PutRecordsInput{StreamName: aws.String("errs"), Records: many})
			return err
		}, "ValidationException", "1 validation error detected: Value '[...]' at 'records' failed to satisfy constraint: Member must have length less than or equal to 500"},
		{"1 MiB + 1 record", func() error {
			_, err := e.client.PutRecord(ctx, &sdk.PutRecordInput{StreamName: aws.String("errs"), PartitionKey: aws.String("k"), Data: make([]byte, 1<<20)})
			return err
		}, "ValidationException", "Member must have length less than or equal to"},
		{"1 MiB + 1 record in PutRecords", func() error {
			_, err := e.client.PutRecords(ctx, &sdk.PutRecordsInput{StreamName: aws.String("errs"), Records: []types.PutRecordsRequestEntry{record(1), record(1 << 20)}})
			return err
		}, "ValidationException", "at 'records.2.member.data'"},
		{"over 5 MiB call", func() error {
			_, err := e.client.PutRecords(ctx, &sdk.PutRecordsInput{StreamName: aws.String("errs"), Records: big})
			return err
		}, "InvalidArgumentException", "Records size exceeds 5 MB limit"},
		{"explicit hash key too large", func() error {
			_, err := e.client.PutRecord(ctx, &sdk.PutRecordInput{StreamName: aws.String("errs"), PartitionKey: aws.String("k"), Data: []byte("x"), ExplicitHashKey: aws.String("340282366920938463463374607431768211456")})
			return err
		}, "InvalidArgumentException", "Invalid ExplicitHashKey"},
		{"partition key too long", func() error {
			_, err := e.client.PutRecord(ctx, &sdk.PutRecordInput{StreamName: aws.String("errs"), PartitionKey: aws.String(strings.Repeat("k", 257)), Data: []byte("x")})
			return err
		}, "ValidationException", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ae := wantAPIError(t, tc.call(), tc.want)
			if !strings.Contains(ae.ErrorMessage(), tc.msg) {
				t.Errorf("message %q does not contain %q", ae.ErrorMessage(), tc.msg)
			}
		})
	}
	recs, _ := e.readAll(t, e.iterator(t, "errs", shard, types.ShardIteratorTypeTrimHorizon))
	if len(recs) != 0 {
		t.Errorf("refused puts stored %d records", len(recs))
	}
}

func TestExpiredIterator(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	e.create(t, "old", 1)
	it := e.iterator(t, "old", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon)
	e.clock.Advance(4 * time.Minute)
	g, err := e.client.GetRecords(ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(it)})
	if err != nil {
		t.Fatalf("a 4-minute-old iterator: %v", err)
	}
	e.clock.Advance(2 * time.Minute)
	// The NextShardIterator was issued 2 minutes ago: still good.
	if _, err := e.client.GetRecords(ctx, &sdk.GetRecordsInput{ShardIterator: g.NextShardIterator}); err != nil {
		t.Fatalf("a fresh NextShardIterator: %v", err)
	}
	_, err = e.client.GetRecords(ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(it)})
	ae := wantAPIError(t, err, "ExpiredIteratorException")
	if !strings.HasPrefix(ae.ErrorMessage(), "Iterator expired. The iterator was created at time ") || !strings.Contains(ae.ErrorMessage(), " while right now it is ") {
		t.Errorf("message %q", ae.ErrorMessage())
	}
}

func TestIteratorFromRecreatedStream(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	e.create(t, "again", 1)
	it := e.iterator(t, "again", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon)
	if _, err := e.client.DeleteStream(ctx, &sdk.DeleteStreamInput{StreamName: aws.String("again")}); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.GetRecords(ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(it)})
	wantAPIError(t, err, "ResourceNotFoundException")
	e.create(t, "again", 1)
	_, err = e.client.GetRecords(ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(it)})
	wantAPIError(t, err, "InvalidArgumentException")
}

func TestStreamFullRejectsWithThroughputExceeded(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	if _, err := e.store.CreateStream("small", shardsConfigRejectNew()); err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("x"), 100<<10)
	var full bool
	for i := 0; i < 100 && !full; i++ {
		out, err := e.client.PutRecords(ctx, &sdk.PutRecordsInput{StreamName: aws.String("small"), Records: []types.PutRecordsRequestEntry{
			{PartitionKey: aws.String("a"), Data: chunk}, {PartitionKey: aws.String("b"), Data: chunk}}})
		if err != nil {
			t.Fatal(err)
		}
		if n := aws.ToInt32(out.FailedRecordCount); n > 0 {
			if n != 2 || aws.ToString(out.Records[0].ErrorCode) != "ProvisionedThroughputExceededException" ||
				!strings.Contains(aws.ToString(out.Records[1].ErrorMessage), "full") {
				t.Fatalf("full stream: %d failed, %+v", n, out.Records[0])
			}
			full = true
		}
	}
	if !full {
		t.Fatal("the stream never filled")
	}
	_, err := e.client.PutRecord(ctx, &sdk.PutRecordInput{StreamName: aws.String("small"), PartitionKey: aws.String("k"), Data: bytes.Repeat(chunk, 3)})
	wantAPIError(t, err, "ProvisionedThroughputExceededException")
}
