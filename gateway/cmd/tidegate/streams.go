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

// streamsCommands are the verbs of `tidegate streams`, each with its own flags.
var streamsCommands = []subcommand{
	{"ls", "list the streams with their shards, retention and creation time", streamsLsCmd},
	{"create", "create a stream (NAME [--shards N] [--retention D])", streamsCreateCmd},
	{"describe", "show a stream and its shards (NAME)", streamsDescribeCmd},
	{"delete", "delete a stream and its data (NAME)", streamsDeleteCmd},
	{"split", "split a shard in two (NAME SHARD [--at HASHKEY])", streamsSplitCmd},
	{"merge", "merge two adjacent shards (NAME SHARD ADJACENT)", streamsMergeCmd},
	{"reshard", "reach a shard count by splits and merges (NAME --shards N)", streamsReshardCmd},
}

// runStreams manages streams of a running gateway through its Kinesis API.
func runStreams(args []string) error { return runGroup("streams", streamsCommands, args) }

// streamsFlags parses a streams subcommand's arguments: the client flags, those
// extra registers, and between min and max positional arguments.
func streamsFlags(verb, synopsis string, args []string, min, max int, extra func(*flag.FlagSet)) (*clientFlags, []string, *flag.FlagSet, error) {
	var c clientFlags
	fs := newFlagSet("streams "+verb, synopsis)
	c.register(fs)
	if extra != nil {
		extra(fs)
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := wantArgs(fs, pos, min, max); err != nil {
		return nil, nil, nil, err
	}
	return &c, pos, fs, nil
}

func streamsLsCmd(args []string) error {
	c, _, _, err := streamsFlags("ls", "[--json]", args, 0, 0, nil)
	if err != nil {
		return err
	}
	return streamsList(context.Background(), c.client(), c.json)
}

func streamsCreateCmd(args []string) error {
	var shards int
	var retention string
	c, pos, _, err := streamsFlags("create", "NAME [--shards N] [--retention D]", args, 1, 1, func(fs *flag.FlagSet) {
		fs.IntVar(&shards, "shards", 1, "shard count")
		fs.StringVar(&retention, "retention", "24h", "retention period in whole hours, 1h-8760h (as in 2h, 48h, 7d)")
	})
	if err != nil {
		return err
	}
	hours, err := retentionHours(retention)
	if err != nil {
		return usageErrorf("streams create %s: --retention: %s", pos[0], err)
	}
	return streamsCreate(context.Background(), c.client(), pos[0], shards, hours, c.json)
}

// retentionHours reads --retention, which the Kinesis API sets in whole hours. It is
// checked before anything is created, so that a refused value leaves no stream
// behind.
func retentionHours(s string) (int32, error) {
	d, err := config.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	td := time.Duration(d)
	const maxHours = 8760
	switch {
	case td%time.Hour != 0:
		return 0, fmt.Errorf("%s: the Kinesis API sets retention in whole hours (1h-%dh, as in 2h or 7d); a shorter or finer retention is set by declaring the stream under streams: in the configuration file", s, maxHours)
	case td < time.Hour || td > maxHours*time.Hour:
		return 0, fmt.Errorf("%s: must be 1h-%dh", s, maxHours)
	}
	return int32(td / time.Hour), nil
}

func streamsDescribeCmd(args []string) error {
	c, pos, _, err := streamsFlags("describe", "NAME [--json]", args, 1, 1, nil)
	if err != nil {
		return err
	}
	return streamsDescribe(context.Background(), c.client(), pos[0], c.json)
}

func streamsDeleteCmd(args []string) error {
	c, pos, _, err := streamsFlags("delete", "NAME", args, 1, 1, nil)
	if err != nil {
		return err
	}
	_, err = c.client().DeleteStream(context.Background(), &kinesis.DeleteStreamInput{StreamName: &pos[0], EnforceConsumerDeletion: aws.Bool(true)})
	if err != nil {
		return apiError(err)
	}
	return c.done(map[string]string{"deleted": pos[0]}, "deleted %s\n", pos[0])
}

func streamsSplitCmd(args []string) error {
	var at string
	c, pos, _, err := streamsFlags("split", "NAME SHARD [--at HASHKEY]", args, 2, 2, func(fs *flag.FlagSet) {
		fs.StringVar(&at, "at", "", "hash key where the second child starts (default: the middle of the shard's range)")
	})
	if err != nil {
		return err
	}
	if err := streamsSplit(context.Background(), c.client(), pos[0], pos[1], at); err != nil {
		return err
	}
	return c.done(map[string]string{"split": pos[1]}, "split %s of %s\n", pos[1], pos[0])
}

func streamsMergeCmd(args []string) error {
	c, pos, _, err := streamsFlags("merge", "NAME SHARD ADJACENT", args, 3, 3, nil)
	if err != nil {
		return err
	}
	_, err = c.client().MergeShards(context.Background(), &kinesis.MergeShardsInput{StreamName: &pos[0], ShardToMerge: &pos[1], AdjacentShardToMerge: &pos[2]})
	if err != nil {
		return apiError(err)
	}
	return c.done(map[string]string{"merged": pos[1] + "," + pos[2]}, "merged %s and %s of %s\n", pos[1], pos[2], pos[0])
}

func streamsReshardCmd(args []string) error {
	var shards int
	c, pos, fs, err := streamsFlags("reshard", "NAME --shards N", args, 1, 1, func(fs *flag.FlagSet) {
		fs.IntVar(&shards, "shards", 0, "the shard count to reach (required)")
	})
	if err != nil {
		return err
	}
	if !flagSet(fs, "shards") {
		// A default would reshard a whole stream by omission.
		return usageErrorf("streams reshard %s: --shards N is required: the shard count to reach", pos[0])
	}
	out, err := c.client().UpdateShardCount(context.Background(), &kinesis.UpdateShardCountInput{StreamName: &pos[0],
		TargetShardCount: aws.Int32(int32(shards)), ScalingType: types.ScalingTypeUniformScaling})
	if err != nil {
		return apiError(err)
	}
	return c.done(map[string]any{"stream": pos[0], "from": aws.ToInt32(out.CurrentShardCount), "to": aws.ToInt32(out.TargetShardCount)},
		"resharded %s from %d to %d shards\n", pos[0], aws.ToInt32(out.CurrentShardCount), aws.ToInt32(out.TargetShardCount))
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

func streamsCreate(ctx context.Context, k *kinesis.Client, name string, shards int, hours int32, asJSON bool) error {
	if _, err := k.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(int32(shards))}); err != nil {
		return apiError(err)
	}
	if hours != 24 {
		var err error
		if hours > 24 {
			_, err = k.IncreaseStreamRetentionPeriod(ctx, &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: &name, RetentionPeriodHours: &hours})
		} else {
			_, err = k.DecreaseStreamRetentionPeriod(ctx, &kinesis.DecreaseStreamRetentionPeriodInput{StreamName: &name, RetentionPeriodHours: &hours})
		}
		if err != nil {
			// A refused create leaves nothing behind.
			_, derr := k.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: &name, EnforceConsumerDeletion: aws.Bool(true)})
			if derr != nil {
				return fmt.Errorf("%w (and the stream, created without its retention, could not be deleted: %w)", apiError(err), apiError(derr))
			}
			return fmt.Errorf("%w (the stream was not kept)", apiError(err))
		}
	}
	if asJSON {
		return printJSON(map[string]any{"created": name, "shards": shards, "retention_hours": hours})
	}
	fmt.Printf("created %s with %d shards, retention %dh\n", name, shards, hours)
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
