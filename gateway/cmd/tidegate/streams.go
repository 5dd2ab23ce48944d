package main

import (
	"context"
	"flag"
	"fmt"
	"math/big"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/tidegate/tidegate/gateway/config"
)

const streamsUsage = "ls | create NAME [--shards N] [--retention D] | describe NAME | delete NAME | split NAME SHARD [--at HASHKEY] | merge NAME SHARD ADJACENT | reshard NAME --shards N"

// runStreams manages streams of a running gateway through its Kinesis API.
func runStreams(args []string) error {
	if len(args) == 0 {
		return usageErrorf("usage: tidegate streams %s", streamsUsage)
	}
	var c clientFlags
	fs := newFlagSet("streams "+args[0], "…  ("+streamsUsage+")")
	c.register(fs)
	shards := fs.Int("shards", 1, "shard count (create, reshard)")
	retention := fs.String("retention", "24h", "retention period, 1h-8760h (create)")
	at := fs.String("at", "", "hash key where the second child starts (split; default: the middle)")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	ctx := context.Background()
	k := c.client()
	switch args[0] {
	case "ls":
		if err := wantArgs(fs, pos, 0, 0); err != nil {
			return err
		}
		return streamsList(ctx, k, c.json)
	case "create":
		if err := wantArgs(fs, pos, 1, 1); err != nil {
			return err
		}
		d, err := config.ParseDuration(*retention)
		if err != nil {
			return usageErrorf("--retention: %v", err)
		}
		return streamsCreate(ctx, k, pos[0], *shards, time.Duration(d))
	case "describe":
		if err := wantArgs(fs, pos, 1, 1); err != nil {
			return err
		}
		return streamsDescribe(ctx, k, pos[0], c.json)
	case "delete":
		if err := wantArgs(fs, pos, 1, 1); err != nil {
			return err
		}
		_, err := k.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: &pos[0], EnforceConsumerDeletion: aws.Bool(true)})
		return apiError(err)
	case "split":
		if err := wantArgs(fs, pos, 2, 2); err != nil {
			return err
		}
		return streamsSplit(ctx, k, pos[0], pos[1], *at)
	case "merge":
		if err := wantArgs(fs, pos, 3, 3); err != nil {
			return err
		}
		_, err := k.MergeShards(ctx, &kinesis.MergeShardsInput{StreamName: &pos[0], ShardToMerge: &pos[1], AdjacentShardToMerge: &pos[2]})
		return apiError(err)
	case "reshard":
		if err := wantArgs(fs, pos, 1, 1); err != nil {
			return err
		}
		if !flagSet(fs, "shards") {
			// --shards defaults to 1 for create; a reshard to 1 shard by omission
			// would merge a whole stream down.
			return usageErrorf("streams reshard %s: --shards N is required: the shard count to reach", pos[0])
		}
		_, err := k.UpdateShardCount(ctx, &kinesis.UpdateShardCountInput{StreamName: &pos[0],
			TargetShardCount: aws.Int32(int32(*shards)), ScalingType: types.ScalingTypeUniformScaling})
		return apiError(err)
	}
	return usageErrorf("usage: tidegate streams %s", streamsUsage)
}

// flagSet reports whether name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func streamsList(ctx context.Context, k *kinesis.Client, asJSON bool) error {
	type row struct {
		Name      string    `json:"name"`
		Shards    int32     `json:"open_shards"`
		Retention int32     `json:"retention_hours"`
		Created   time.Time `json:"created"`
	}
	var rows []row
	p := kinesis.NewListStreamsPaginator(k, &kinesis.ListStreamsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return apiError(err)
		}
		for _, s := range out.StreamSummaries {
			sum, err := k.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: s.StreamName})
			if err != nil {
				return apiError(err)
			}
			d := sum.StreamDescriptionSummary
			rows = append(rows, row{aws.ToString(s.StreamName), aws.ToInt32(d.OpenShardCount), aws.ToInt32(d.RetentionPeriodHours), aws.ToTime(s.StreamCreationTimestamp)})
		}
	}
	if asJSON {
		return printJSON(rows)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STREAM\tSHARDS\tRETENTION\tCREATED")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%dh\t%s\n", r.Name, r.Shards, r.Retention, r.Created.Local().Format(time.DateTime))
	}
	return tw.Flush()
}

func streamsCreate(ctx context.Context, k *kinesis.Client, name string, shards int, retention time.Duration) error {
	if _, err := k.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(int32(shards))}); err != nil {
		return apiError(err)
	}
	if hours := int32(retention / time.Hour); hours != 24 {
		in := &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: &name, RetentionPeriodHours: &hours}
		var err error
		if hours > 24 {
			_, err = k.IncreaseStreamRetentionPeriod(ctx, in)
		} else {
			_, err = k.DecreaseStreamRetentionPeriod(ctx, &kinesis.DecreaseStreamRetentionPeriodInput{StreamName: &name, RetentionPeriodHours: &hours})
		}
		if err != nil {
			return apiError(err)
		}
	}
	fmt.Printf("created %s with %d shards\n", name, shards)
	return nil
}

// describeShards lists every shard of a stream, following ListShards pages.
func describeShards(ctx context.Context, k *kinesis.Client, name string) ([]types.Shard, error) {
	var all []types.Shard
	in := &kinesis.ListShardsInput{StreamName: &name}
	for {
		out, err := k.ListShards(ctx, in)
		if err != nil {
			return nil, apiError(err)
		}
		all = append(all, out.Shards...)
		if out.NextToken == nil {
			return all, nil
		}
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
}

func streamsDescribe(ctx context.Context, k *kinesis.Client, name string, asJSON bool) error {
	sum, err := k.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: &name})
	if err != nil {
		return apiError(err)
	}
	shards, err := describeShards(ctx, k, name)
	if err != nil {
		return err
	}
	d := sum.StreamDescriptionSummary
	if asJSON {
		return printJSON(map[string]any{"summary": d, "shards": shards})
	}
	fmt.Printf("stream     %s\narn        %s\nstatus     %s\nretention  %dh\nshards     %d open\ncreated    %s\n\n",
		aws.ToString(d.StreamName), aws.ToString(d.StreamARN), d.StreamStatus, aws.ToInt32(d.RetentionPeriodHours),
		aws.ToInt32(d.OpenShardCount), aws.ToTime(d.StreamCreationTimestamp).Local().Format(time.DateTime))
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SHARD\tSTATE\tPARENTS\tHASH KEY RANGE")
	for _, s := range shards {
		state := "open"
		if s.SequenceNumberRange != nil && s.SequenceNumberRange.EndingSequenceNumber != nil {
			state = "closed"
		}
		parents := strings.TrimSuffix(aws.ToString(s.ParentShardId)+","+aws.ToString(s.AdjacentParentShardId), ",")
		if parents == "" {
			parents = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s – %s\n", aws.ToString(s.ShardId), state, parents,
			aws.ToString(s.HashKeyRange.StartingHashKey), aws.ToString(s.HashKeyRange.EndingHashKey))
	}
	return tw.Flush()
}

func streamsSplit(ctx context.Context, k *kinesis.Client, name, shard, at string) error {
	if at == "" {
		shards, err := describeShards(ctx, k, name)
		if err != nil {
			return err
		}
		for _, s := range shards {
			if aws.ToString(s.ShardId) == shard || strings.HasSuffix(aws.ToString(s.ShardId), "-"+shard) {
				lo, _ := new(big.Int).SetString(aws.ToString(s.HashKeyRange.StartingHashKey), 10)
				hi, _ := new(big.Int).SetString(aws.ToString(s.HashKeyRange.EndingHashKey), 10)
				if lo == nil || hi == nil {
					return fmt.Errorf("shard %s has a malformed hash key range", shard)
				}
				// The second child starts just past the middle: lo + (hi-lo)/2 + 1.
				mid := new(big.Int).Rsh(new(big.Int).Sub(hi, lo), 1)
				at = mid.Add(mid, lo).Add(mid, big.NewInt(1)).String()
			}
		}
		if at == "" {
			return fmt.Errorf("stream %s has no shard %s", name, shard)
		}
	}
	_, err := k.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: &name, ShardToSplit: &shard, NewStartingHashKey: &at})
	return apiError(err)
}
