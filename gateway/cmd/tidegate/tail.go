package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// runTail prints a stream's records. It reads every shard; a closed shard's
// children are read once all their parents are done, so records of one
// partition key come out in order across a split or merge.
func runTail(args []string) error {
	var c clientFlags
	fs := newFlagSet("tail", "STREAM [--from trim_horizon|latest|TIMESTAMP] [--follow]")
	c.register(fs)
	from := fs.String("from", "trim_horizon", "where to start: trim_horizon, latest, or an RFC 3339 time")
	follow := fs.Bool("follow", false, "keep waiting for new records (Ctrl-C stops)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 1, 1); err != nil {
		return err
	}
	start, err := parseFrom(*from)
	if err != nil {
		return usageErrorf("--from: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	t := &tailer{k: c.client(), stream: pos[0], from: start, follow: *follow, json: c.json, out: newPrinter(c.json)}
	err = t.run(ctx)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

type startAt struct {
	typ types.ShardIteratorType
	ts  *time.Time
}

func parseFrom(s string) (startAt, error) {
	switch s {
	case "trim_horizon", "TRIM_HORIZON":
		return startAt{typ: types.ShardIteratorTypeTrimHorizon}, nil
	case "latest", "LATEST":
		return startAt{typ: types.ShardIteratorTypeLatest}, nil
	}
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return startAt{}, fmt.Errorf("%q is not trim_horizon, latest or an RFC 3339 time", s)
	}
	return startAt{typ: types.ShardIteratorTypeAtTimestamp, ts: &ts}, nil
}

type tailer struct {
	k      *kinesis.Client
	stream string
	from   startAt
	follow bool
	json   bool
	out    *printer

	mu      sync.Mutex
	started map[string]bool
	done    map[string]bool
	shards  map[string]types.Shard
}

func (t *tailer) run(ctx context.Context) error {
	shards, err := describeShards(ctx, t.k, t.stream)
	if err != nil {
		return err
	}
	t.started, t.done, t.shards = map[string]bool{}, map[string]bool{}, map[string]types.Shard{}
	for _, s := range shards {
		t.shards[aws.ToString(s.ShardId)] = s
	}
	// The first reader to fail stops the others: a follower would otherwise wait
	// for new records forever, and the failure would never be reported.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	var launch func(id string)
	launch = func(id string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			children, err := t.readShard(ctx, id)
			if err != nil {
				select {
				case errs <- fmt.Errorf("shard %s: %w", id, err):
				default:
				}
				cancel()
				return
			}
			for _, c := range t.finished(id, children) {
				launch(c)
			}
		}()
	}
	for _, id := range t.ready(shards) {
		launch(id)
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// ready picks the shards to start with: those whose parents are not listed
// (expired) or have no parent; children wait for their parents.
func (t *tailer) ready(shards []types.Shard) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var ids []string
	for _, s := range shards {
		id := aws.ToString(s.ShardId)
		if t.parentsDone(s) && !t.started[id] {
			t.started[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

func (t *tailer) parentsDone(s types.Shard) bool {
	for _, p := range []*string{s.ParentShardId, s.AdjacentParentShardId} {
		if id := aws.ToString(p); id != "" {
			if _, listed := t.shards[id]; listed && !t.done[id] {
				return false
			}
		}
	}
	return true
}

// finished marks a shard read to its end and returns the children now ready.
func (t *tailer) finished(id string, children []types.ChildShard) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done[id] = true
	var ids []string
	for _, c := range children {
		cid := aws.ToString(c.ShardId)
		s, ok := t.shards[cid]
		if !ok {
			s = types.Shard{ShardId: c.ShardId}
			if len(c.ParentShards) > 0 {
				s.ParentShardId = &c.ParentShards[0]
			}
			if len(c.ParentShards) > 1 {
				s.AdjacentParentShardId = &c.ParentShards[1]
			}
			t.shards[cid] = s
		}
		if !t.started[cid] && t.parentsDone(s) {
			t.started[cid] = true
			ids = append(ids, cid)
		}
	}
	return ids
}

// readShard reads one shard until its end (closed), or until caught up
// unless following. Children of a parent start at the trim horizon.
func (t *tailer) readShard(ctx context.Context, id string) ([]types.ChildShard, error) {
	in := &kinesis.GetShardIteratorInput{StreamName: &t.stream, ShardId: &id, ShardIteratorType: t.from.typ, Timestamp: t.from.ts}
	t.mu.Lock()
	s := t.shards[id]
	t.mu.Unlock()
	if s.ParentShardId != nil && t.from.typ != types.ShardIteratorTypeAtTimestamp {
		in.ShardIteratorType = types.ShardIteratorTypeTrimHorizon // a child of a shard read to its end
	}
	it, err := t.k.GetShardIterator(ctx, in)
	if err != nil {
		return nil, apiError(err)
	}
	iter := it.ShardIterator
	for iter != nil {
		out, err := t.k.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(10000)})
		if err != nil {
			return nil, apiError(err)
		}
		for _, r := range out.Records {
			t.out.print(t.stream, id, r)
		}
		if out.NextShardIterator == nil {
			return out.ChildShards, nil
		}
		iter = out.NextShardIterator
		if len(out.Records) == 0 && aws.ToInt64(out.MillisBehindLatest) == 0 {
			if !t.follow {
				return nil, nil
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(250 * time.Millisecond): // within Kinesis's 5 reads/s per shard
			}
		}
	}
	return nil, nil
}

// printer writes records one per line, from many shard readers at once.
type printer struct {
	mu   sync.Mutex
	json bool
}

func newPrinter(asJSON bool) *printer { return &printer{json: asJSON} }

func (p *printer) print(stream, shard string, r types.Record) {
	p.mu.Lock()
	defer p.mu.Unlock()
	arrival := aws.ToTime(r.ApproximateArrivalTimestamp)
	if p.json {
		rec := map[string]any{
			"stream": stream, "shard_id": shard, "sequence_number": aws.ToString(r.SequenceNumber),
			"partition_key": aws.ToString(r.PartitionKey), "arrival": arrival,
		}
		if utf8.Valid(r.Data) {
			rec["data"] = string(r.Data)
		} else {
			rec["data_base64"] = base64.StdEncoding.EncodeToString(r.Data)
		}
		printJSON(rec)
		return
	}
	data := string(r.Data)
	if !utf8.Valid(r.Data) {
		data = "base64:" + base64.StdEncoding.EncodeToString(r.Data)
	}
	fmt.Printf("%s  %s  %-20s  %s\n", arrival.Local().Format("2006-01-02T15:04:05.000"), shard, aws.ToString(r.PartitionKey), data)
}
