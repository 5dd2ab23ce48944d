package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
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
	res, err := putLines(ctx, k, stream, *key, os.Stdin)
	if c.json {
		printJSON(map[string]int{"records": res.records, "blank_lines_skipped": res.blank})
	} else {
		fmt.Fprintf(os.Stderr, "put %s%s\n", plural(res.records, "record"), skipped(res.blank))
	}
	return err
}

func skipped(blank int) string {
	if blank == 0 {
		return ""
	}
	return fmt.Sprintf(" (%s skipped)", plural(blank, "blank line"))
}

func partitionKey(k string) string {
	if k != "" {
		return k
	}
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// putResult counts what putLines did.
type putResult struct {
	records int // stored
	blank   int // blank lines skipped
}

// putBatch is a PutRecords request under way, with the input line of each record.
type putBatch struct {
	entries []types.PutRecordsRequestEntry
	lines   []int
	size    int
}

// memberIndexRE finds the record a PutRecords validation error is about
// ("… at 'records.3.member.data' …", 1-based).
var memberIndexRE = regexp.MustCompile(`records\.(\d+)\.member`)

// putLines sends each line of r as a record, in PutRecords batches of up to
// 500, retrying the records a batch refused (throttled or a full stream) with
// backoff, as a Kinesis producer must. Blank lines are skipped: Kinesis has no
// use for a record without data (the SDK refuses one as missing Data). It stops
// at the first batch it cannot store whole, and the error names the input
// lines: every line before that batch is stored, and of the batch, every line
// the error does not name.
func putLines(ctx context.Context, k *kinesis.Client, stream, key string, r io.Reader) (putResult, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	var res putResult
	var b putBatch
	flush := func() error {
		err := putBatchOf(ctx, k, stream, &b, &res)
		b = putBatch{}
		return err
	}
	line := 0
	for sc.Scan() {
		line++
		data := sc.Bytes()
		if len(data) == 0 {
			res.blank++
			continue
		}
		pk := partitionKey(key)
		if len(b.entries) == 500 || b.size+len(data)+len(pk) > 5<<20 {
			if err := flush(); err != nil {
				return res, err
			}
		}
		b.entries = append(b.entries, types.PutRecordsRequestEntry{Data: bytes.Clone(data), PartitionKey: aws.String(pk)})
		b.lines = append(b.lines, line)
		b.size += len(data) + len(pk)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("longer than %d MiB, the most a record may hold", maxLine>>20)
		}
		if ferr := flush(); ferr != nil {
			return res, ferr
		}
		return res, fmt.Errorf("stdin line %d: %w; every line before it is stored, none from it on", line+1, err)
	}
	return res, flush()
}

// maxLine is the longest line put reads: a record holds at most 10 MiB.
const maxLine = 10 << 20

// putBatchOf stores b, retrying refused records; an error names the lines
// not stored.
func putBatchOf(ctx context.Context, k *kinesis.Client, stream string, b *putBatch, res *putResult) error {
	entries, lines := b.entries, b.lines
	for attempt := 0; len(entries) > 0; attempt++ {
		out, err := k.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: &stream, Records: entries})
		if err != nil {
			where := fmt.Sprintf("stdin lines %d-%d", lines[0], lines[len(lines)-1])
			if len(lines) == 1 {
				where = fmt.Sprintf("stdin line %d", lines[0])
			}
			if m := memberIndexRE.FindStringSubmatch(err.Error()); m != nil {
				if i, _ := strconv.Atoi(m[1]); i >= 1 && i <= len(lines) {
					where = fmt.Sprintf("stdin line %d", lines[i-1])
				}
			}
			return fmt.Errorf("%s: %w; none of lines %d-%d is stored, every line before them is", where, apiError(err), lines[0], lines[len(lines)-1])
		}
		var retry []types.PutRecordsRequestEntry
		var retryLines []int
		var why string
		for i, r := range out.Records {
			if r.ErrorCode != nil {
				retry, retryLines = append(retry, entries[i]), append(retryLines, lines[i])
				if why == "" {
					why = aws.ToString(r.ErrorCode) + ": " + aws.ToString(r.ErrorMessage)
				}
			}
		}
		res.records += len(entries) - len(retry)
		entries, lines = retry, retryLines
		if len(retry) == 0 {
			return nil
		}
		if attempt == 8 {
			return fmt.Errorf("stdin %s: still refused after %d attempts: %s; every other line up to %d is stored, none after it",
				lineList(retryLines), attempt+1, why, b.lines[len(b.lines)-1])
		}
		time.Sleep(time.Duration(100<<attempt) * time.Millisecond)
	}
	return nil
}

// lineList names up to five lines: "line 7", "lines 7, 9, 12 and 3 more".
func lineList(lines []int) string {
	if len(lines) == 1 {
		return fmt.Sprintf("line %d", lines[0])
	}
	var parts []string
	for i, l := range lines {
		if i == 5 {
			return "lines " + strings.Join(parts, ", ") + fmt.Sprintf(" and %d more", len(lines)-5)
		}
		parts = append(parts, strconv.Itoa(l))
	}
	return "lines " + strings.Join(parts, ", ")
}
