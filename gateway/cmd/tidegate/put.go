package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// runPut puts one record (DATA) or one record per line of stdin (-).
func runPut(args []string) error {
	var c clientFlags
	fs := newFlagSet("put", "STREAM [--key K] [DATA | -]")
	c.register(fs)
	key := fs.String("key", "", "partition key (default: a random key per record, spreading them over shards)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 1, 2); err != nil {
		return err
	}
	stream := pos[0]
	k := c.client()
	ctx := context.Background()
	if len(pos) == 2 && pos[1] != "-" {
		out, err := k.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &stream, PartitionKey: aws.String(partitionKey(*key)), Data: []byte(pos[1])})
		if err != nil {
			return apiError(err)
		}
		if c.json {
			return printJSON(map[string]string{"shard_id": aws.ToString(out.ShardId), "sequence_number": aws.ToString(out.SequenceNumber)})
		}
		fmt.Printf("%s %s\n", aws.ToString(out.ShardId), aws.ToString(out.SequenceNumber))
		return nil
	}
	n, err := putLines(ctx, k, stream, *key, os.Stdin)
	if c.json {
		printJSON(map[string]int{"records": n})
	} else {
		fmt.Fprintf(os.Stderr, "put %d records\n", n)
	}
	return err
}

func partitionKey(k string) string {
	if k != "" {
		return k
	}
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// putLines sends each line of r as a record, in PutRecords batches of up to
// 500, retrying the records a batch refused (throttled or a full stream)
// with backoff, as a Kinesis producer must.
func putLines(ctx context.Context, k *kinesis.Client, stream, key string, r io.Reader) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 10<<20)
	var batch []types.PutRecordsRequestEntry
	size, sent := 0, 0
	flush := func() error {
		for attempt := 0; len(batch) > 0; attempt++ {
			out, err := k.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: &stream, Records: batch})
			if err != nil {
				return apiError(err)
			}
			var retry []types.PutRecordsRequestEntry
			for i, res := range out.Records {
				if res.ErrorCode != nil {
					retry = append(retry, batch[i])
				}
			}
			sent += len(batch) - len(retry)
			batch = retry
			if len(retry) > 0 {
				if attempt == 8 {
					return fmt.Errorf("%d records still refused after %d attempts: %s", len(retry), attempt+1, aws.ToString(out.Records[0].ErrorMessage))
				}
				time.Sleep(time.Duration(100<<attempt) * time.Millisecond)
			}
		}
		size = 0
		return nil
	}
	for sc.Scan() {
		line := append([]byte(nil), sc.Bytes()...)
		pk := partitionKey(key)
		if len(batch) == 500 || size+len(line)+len(pk) > 5<<20 {
			if err := flush(); err != nil {
				return sent, err
			}
		}
		batch = append(batch, types.PutRecordsRequestEntry{Data: line, PartitionKey: aws.String(pk)})
		size += len(line) + len(pk)
	}
	if err := sc.Err(); err != nil {
		return sent, err
	}
	return sent, flush()
}
