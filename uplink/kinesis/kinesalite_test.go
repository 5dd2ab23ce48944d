package kinesis

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/uplink"
)

// kinesalite starts kinesalite, creates stream with shards shards through
// the SDK, and returns the endpoint and a client for reading back.
func kinesalite(t *testing.T, stream string, shards int32) (string, *kinesis.Client) {
	t.Helper()
	endpoint := peer.Kinesalite(t)
	awsEnv(t)
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := kinesis.NewFromConfig(cfg, func(o *kinesis.Options) { o.BaseEndpoint = aws.String(endpoint) })
	if _, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(stream), ShardCount: aws.Int32(shards)}); err != nil {
		t.Fatalf("create stream: %v", err)
	}
	w := kinesis.NewStreamExistsWaiter(c, func(o *kinesis.StreamExistsWaiterOptions) { o.MinDelay = 50 * time.Millisecond })
	if err := w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(stream)}, 10*time.Second); err != nil {
		t.Fatalf("wait for stream: %v", err)
	}
	return endpoint, c
}

// readAll reads every shard of stream from its start, each shard in order.
func readAll(t *testing.T, c *kinesis.Client, stream string) []wireRecord {
	t.Helper()
	ctx := context.Background()
	desc, err := c.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(stream)})
	if err != nil {
		t.Fatal(err)
	}
	shards := desc.StreamDescription.Shards
	if len(shards) < 2 {
		t.Fatalf("%d shards", len(shards))
	}
	var all []wireRecord
	for _, sh := range shards {
		it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(stream),
			ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		iter, n := it.ShardIterator, 0
		for iter != nil {
			out, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range out.Records {
				all = append(all, wireRecord{Data: r.Data, PartitionKey: aws.ToString(r.PartitionKey)})
			}
			n += len(out.Records)
			if len(out.Records) == 0 {
				break
			}
			iter = out.NextShardIterator
		}
		if n == 0 {
			t.Errorf("shard %s got no record: the keys did not spread", aws.ToString(sh.ShardId))
		}
	}
	return all
}

func TestKinesaliteDeliversEveryRecordOnceInKeyOrder(t *testing.T) {
	endpoint, c := kinesalite(t, "sensors", 3)
	s, err := New(context.Background(), Config{Stream: "sensors", Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b := keyedBatch(3000, 20, 120)
	// Two batches, as the engine would hand them over.
	for _, part := range []*uplink.Batch{{ID: "b1", Records: b.Records[:1700]}, {ID: "b2", Records: b.Records[1700:]}} {
		if err := s.Send(context.Background(), part); err != nil {
			t.Fatal(err)
		}
	}
	// checkDelivered wants one order per key; shards are read one after
	// another and a key lives on one shard, so the concatenation is it.
	checkDelivered(t, b, readAll(t, c, "sensors"))
}

func TestKinesaliteLargeAndRefusedRecords(t *testing.T) {
	endpoint, c := kinesalite(t, "frames", 2)
	s, err := New(context.Background(), Config{Stream: "frames", Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b := keyedBatch(14, 2, 700<<10) // 7 records a call: two calls a batch
	b.Records = append(b.Records, uplink.Record{PartitionKey: "cam", Data: bytes.Repeat([]byte{1}, 1<<20)})
	err = s.Send(context.Background(), b)
	var pe *uplink.PartialError
	if !errors.As(err, &pe) || !pe.Permanent || len(pe.Failed) != 1 || pe.Failed[0].Index != 14 || pe.Failed[0].Code != CodeRecordTooLarge {
		t.Fatalf("want the 1 MiB + key record refused permanently, got %v", err)
	}
	b.Records = b.Records[:14]
	checkDelivered(t, b, readAll(t, c, "frames"))
}

func TestKinesaliteMissingStream(t *testing.T) {
	endpoint, _ := kinesalite(t, "sensors", 2)
	s, err := New(context.Background(), Config{Stream: "nosuchstream", Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Send(context.Background(), keyedBatch(10, 2, 10))
	if code, ok := uplink.IsPermanent(err); !ok || code != "ResourceNotFoundException" {
		t.Fatalf("want Permanent ResourceNotFoundException, got %q %v", code, err)
	}
}
