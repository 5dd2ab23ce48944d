package kinesisapi

import (
	"fmt"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/tidegate/tidegate/shards"
)

// TestReshardingConsumer splits, merges and rescales a stream between
// batches of puts, then reads it the way the KCL does: from the shards open
// at the trim horizon, each to its end, then into its children once all of
// their parents are done. Every record must be read exactly once, in
// order per partition key.
func TestReshardingConsumer(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	e.create(t, "flow", 2)
	const keys = 20
	next := map[string]int{}
	batch := func() {
		t.Helper()
		var entries []types.PutRecordsRequestEntry
		for i := range 60 {
			k := keyN(i % keys)
			entries = append(entries, types.PutRecordsRequestEntry{PartitionKey: aws.String(k), Data: []byte(fmt.Sprintf("%s:%d", k, next[k]))})
			next[k]++
		}
		out, err := e.client.PutRecords(ctx, &sdk.PutRecordsInput{StreamName: aws.String("flow"), Records: entries})
		if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
			t.Fatalf("PutRecords: %v, %+v", err, out)
		}
	}
	batch()
	beforeSplit := time.Now()
	time.Sleep(5 * time.Millisecond)
	if _, err := e.client.SplitShard(ctx, &sdk.SplitShardInput{StreamName: aws.String("flow"),
		ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String("85070591730234615865843651857942052864")}); err != nil {
		t.Fatal(err)
	}
	batch()
	// Shard 3 (the upper half of 0) and shard 1 are adjacent.
	if _, err := e.client.MergeShards(ctx, &sdk.MergeShardsInput{StreamName: aws.String("flow"),
		ShardToMerge: aws.String("shardId-000000000003"), AdjacentShardToMerge: aws.String("shardId-000000000001")}); err != nil {
		t.Fatal(err)
	}
	batch()
	u, err := e.client.UpdateShardCount(ctx, &sdk.UpdateShardCountInput{StreamName: aws.String("flow"), TargetShardCount: aws.Int32(4), ScalingType: types.ScalingTypeUniformScaling})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(u.CurrentShardCount) != 2 || aws.ToInt32(u.TargetShardCount) != 4 {
		t.Errorf("UpdateShardCount: current %d, target %d", aws.ToInt32(u.CurrentShardCount), aws.ToInt32(u.TargetShardCount))
	}
	batch()

	listIDs := func(f *types.ShardFilter) []string {
		out, err := e.client.ListShards(ctx, &sdk.ListShardsInput{StreamName: aws.String("flow"), ShardFilter: f})
		if err != nil {
			t.Fatalf("ListShards %+v: %v", f, err)
		}
		var ids []string
		for _, s := range out.Shards {
			ids = append(ids, strings.TrimPrefix(aws.ToString(s.ShardId), "shardId-00000000000"))
		}
		return ids
	}
	all := listIDs(nil)
	if len(all) != 9 {
		t.Fatalf("shards %v, want 0-8", all)
	}
	for _, tc := range []struct {
		filter types.ShardFilter
		want   []string
	}{
		{types.ShardFilter{Type: types.ShardFilterTypeAtTrimHorizon}, []string{"0", "1"}},
		{types.ShardFilter{Type: types.ShardFilterTypeFromTrimHorizon}, all},
		{types.ShardFilter{Type: types.ShardFilterTypeAtLatest}, []string{"2", "6", "7", "8"}},
		{types.ShardFilter{Type: types.ShardFilterTypeAtTimestamp, Timestamp: aws.Time(beforeSplit)}, []string{"0", "1"}},
		{types.ShardFilter{Type: types.ShardFilterTypeAfterShardId, ShardId: aws.String("shardId-000000000006")}, []string{"7", "8"}},
	} {
		if got := listIDs(&tc.filter); !slices.Equal(got, tc.want) {
			t.Errorf("ShardFilter %s: %v, want %v", tc.filter.Type, got, tc.want)
		}
	}

	d, err := e.client.DescribeStream(ctx, &sdk.DescribeStreamInput{StreamName: aws.String("flow")})
	if err != nil {
		t.Fatal(err)
	}
	parents := map[string][]string{}
	for _, s := range d.StreamDescription.Shards {
		id := aws.ToString(s.ShardId)
		closed := s.SequenceNumberRange.EndingSequenceNumber != nil
		if p := aws.ToString(s.ParentShardId); p != "" {
			parents[id] = append(parents[id], p)
		}
		if p := aws.ToString(s.AdjacentParentShardId); p != "" {
			parents[id] = append(parents[id], p)
		}
		if open := slices.Contains([]string{"2", "6", "7", "8"}, strings.TrimPrefix(id, "shardId-00000000000")); open == closed {
			t.Errorf("%s: EndingSequenceNumber %v", id, s.SequenceNumberRange.EndingSequenceNumber)
		}
	}
	if !slices.Equal(parents["shardId-000000000004"], []string{"shardId-000000000003", "shardId-000000000001"}) {
		t.Errorf("merge child's parents %v", parents["shardId-000000000004"])
	}

	// The consumer.
	var got []string
	done := map[string]bool{}
	queue := []string{"shardId-000000000000", "shardId-000000000001"}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if done[id] {
			continue
		}
		recs, last := e.readAll(t, e.iterator(t, "flow", id, types.ShardIteratorTypeTrimHorizon))
		for _, r := range recs {
			got = append(got, string(r.Data))
		}
		done[id] = true
		if last.NextShardIterator != nil {
			if len(last.ChildShards) != 0 {
				t.Errorf("open shard %s has children %+v", id, last.ChildShards)
			}
			continue
		}
		if len(last.ChildShards) == 0 {
			t.Fatalf("closed shard %s: no ChildShards", id)
		}
		for _, c := range last.ChildShards {
			if !slices.Contains(c.ParentShards, id) || c.HashKeyRange == nil {
				t.Errorf("child %s of %s: parents %v", aws.ToString(c.ShardId), id, c.ParentShards)
			}
			ready := true
			for _, p := range c.ParentShards {
				ready = ready && done[p]
			}
			if ready {
				queue = append(queue, aws.ToString(c.ShardId))
			}
		}
	}
	if len(done) != 9 {
		t.Errorf("consumer read shards %v, want all 9", done)
	}
	seen := map[string]int{}
	for _, rec := range got {
		k, n, _ := strings.Cut(rec, ":")
		i, _ := strconv.Atoi(n)
		if i != seen[k] {
			t.Fatalf("key %s: read %d, want %d (duplicate, gap or out of order)", k, i, seen[k])
		}
		seen[k]++
	}
	for k, n := range next {
		if seen[k] != n {
			t.Errorf("key %s: read %d records, put %d", k, seen[k], n)
		}
	}
}

func TestReshardErrors(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	e.create(t, "rs", 2)
	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"split unknown shard", func() error {
			_, err := e.client.SplitShard(ctx, &sdk.SplitShardInput{StreamName: aws.String("rs"), ShardToSplit: aws.String("shardId-000000000007"), NewStartingHashKey: aws.String("5")})
			return err
		}, "ResourceNotFoundException"},
		{"split outside range", func() error {
			_, err := e.client.SplitShard(ctx, &sdk.SplitShardInput{StreamName: aws.String("rs"), ShardToSplit: aws.String("shardId-000000000001"), NewStartingHashKey: aws.String("5")})
			return err
		}, "InvalidArgumentException"},
		{"split bad hash key", func() error {
			_, err := e.client.SplitShard(ctx, &sdk.SplitShardInput{StreamName: aws.String("rs"), ShardToSplit: aws.String("shardId-000000000001"), NewStartingHashKey: aws.String("-5")})
			return err
		}, "ValidationException"},
		{"merge self", func() error {
			_, err := e.client.MergeShards(ctx, &sdk.MergeShardsInput{StreamName: aws.String("rs"), ShardToMerge: aws.String("shardId-000000000000"), AdjacentShardToMerge: aws.String("shardId-000000000000")})
			return err
		}, "InvalidArgumentException"},
		{"scale beyond double", func() error {
			_, err := e.client.UpdateShardCount(ctx, &sdk.UpdateShardCountInput{StreamName: aws.String("rs"), TargetShardCount: aws.Int32(5), ScalingType: types.ScalingTypeUniformScaling})
			return err
		}, "LimitExceededException"},
		{"scaling type", func() error {
			_, err := e.client.UpdateShardCount(ctx, &sdk.UpdateShardCountInput{StreamName: aws.String("rs"), TargetShardCount: aws.Int32(3), ScalingType: "RANDOM"})
			return err
		}, "ValidationException"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantAPIError(t, tc.call(), tc.want) })
	}
	// A closed shard cannot be split again.
	if _, err := e.client.MergeShards(ctx, &sdk.MergeShardsInput{StreamName: aws.String("rs"), ShardToMerge: aws.String("shardId-000000000000"), AdjacentShardToMerge: aws.String("shardId-000000000001")}); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.SplitShard(ctx, &sdk.SplitShardInput{StreamName: aws.String("rs"), ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String("5")})
	wantAPIError(t, err, "InvalidArgumentException")
}

// TestTrimHorizonAfterParentsExpire: once closed parents outlive the
// retention period the engine forgets them, and their children become the
// shards open at the trim horizon.
func TestTrimHorizonAfterParentsExpire(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	st, err := shards.Open(t.TempDir(), shards.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := st.CreateStream("short", shards.StreamConfig{Shards: 1, Retention: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SplitShard("shardId-000000000000", "1000"); err != nil {
		t.Fatal(err)
	}
	api := &API{Store: st, Clock: clock}
	ids := func(typ string) []string {
		out, err := api.listShards(httptest.NewRequest("POST", "/", nil), &listShardsInput{streamRef: streamRef{StreamName: "short"}, ShardFilter: &shardFilter{Type: typ}})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, s := range out.Shards {
			ids = append(ids, s.ShardId)
		}
		return ids
	}
	if got := ids("AT_TRIM_HORIZON"); !slices.Equal(got, []string{"shardId-000000000000"}) {
		t.Fatalf("before expiry: %v", got)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	want := []string{"shardId-000000000001", "shardId-000000000002"}
	deadline := time.Now().Add(10 * time.Second)
	for got := ids("AT_TRIM_HORIZON"); !slices.Equal(got, want); got = ids("AT_TRIM_HORIZON") {
		if time.Now().After(deadline) {
			t.Fatalf("after expiry: %v, want %v", got, want)
		}
		time.Sleep(50 * time.Millisecond) // retention runs on the writer every second
	}
}
