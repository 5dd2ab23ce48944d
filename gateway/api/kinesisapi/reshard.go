package kinesisapi

import (
	"errors"
	"net/http"
	"regexp"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
	"github.com/tidegate/tidegate/shards"
)

var hashKeyRE = regexp.MustCompile(`^(0|[1-9]\d{0,38})$`)

func checkHashKey(member, v string) error {
	if !hashKeyRE.MatchString(v) {
		return validationError("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})", v, member)
	}
	return nil
}

// shardError describes a failure naming shard id of stream s.
func (a *API) shardError(s *shards.Stream, id string, err error) error {
	if errors.Is(err, shards.ErrNotFound) {
		return a.shardNotFound(s.Name(), id)
	}
	return a.streamError(s.Name(), err)
}

func (a *API) shardNotFound(stream, id string) *awsjson.Error {
	return awsjson.NewError(errResourceNotFound, "Could not find shard %s in stream %s under account %s.", id, stream, a.account())
}

type splitShardInput struct {
	streamRef
	ShardToSplit       string
	NewStartingHashKey string
}

func (a *API) splitShard(_ *http.Request, in *splitShardInput) (*emptyOutput, error) {
	switch {
	case in.ShardToSplit == "":
		return nil, required("shardToSplit")
	case in.NewStartingHashKey == "":
		return nil, required("newStartingHashKey")
	}
	if err := checkHashKey("newStartingHashKey", in.NewStartingHashKey); err != nil {
		return nil, err
	}
	s, err := a.stream(in.streamRef)
	if err != nil {
		return nil, err
	}
	if !validShardID(in.ShardToSplit) {
		return nil, a.shardNotFound(s.Name(), in.ShardToSplit)
	}
	if err := s.SplitShard(in.ShardToSplit, in.NewStartingHashKey); err != nil {
		return nil, a.shardError(s, in.ShardToSplit, err)
	}
	a.logger().Info("kinesis: shard split", "stream", s.Name(), "shard", in.ShardToSplit)
	return &emptyOutput{}, nil
}

type mergeShardsInput struct {
	streamRef
	ShardToMerge         string
	AdjacentShardToMerge string
}

func (a *API) mergeShards(_ *http.Request, in *mergeShardsInput) (*emptyOutput, error) {
	switch {
	case in.ShardToMerge == "":
		return nil, required("shardToMerge")
	case in.AdjacentShardToMerge == "":
		return nil, required("adjacentShardToMerge")
	}
	s, err := a.stream(in.streamRef)
	if err != nil {
		return nil, err
	}
	for _, id := range []string{in.ShardToMerge, in.AdjacentShardToMerge} {
		if !validShardID(id) {
			return nil, a.shardNotFound(s.Name(), id)
		}
	}
	if err := s.MergeShards(in.ShardToMerge, in.AdjacentShardToMerge); err != nil {
		if errors.Is(err, shards.ErrNotFound) {
			return nil, awsjson.NewError(errResourceNotFound, "Could not find shard %s or %s in stream %s under account %s.",
				in.ShardToMerge, in.AdjacentShardToMerge, s.Name(), a.account())
		}
		return nil, a.streamError(s.Name(), err)
	}
	a.logger().Info("kinesis: shards merged", "stream", s.Name(), "shards", []string{in.ShardToMerge, in.AdjacentShardToMerge})
	return &emptyOutput{}, nil
}

type updateShardCountInput struct {
	streamRef
	TargetShardCount *int32
	ScalingType      string
}

type updateShardCountOutput struct {
	StreamName        string
	StreamARN         string
	CurrentShardCount int
	TargetShardCount  int32
}

func (a *API) updateShardCount(_ *http.Request, in *updateShardCountInput) (*updateShardCountOutput, error) {
	switch {
	case in.TargetShardCount == nil:
		return nil, required("targetShardCount")
	case in.ScalingType == "":
		return nil, required("scalingType")
	case in.ScalingType != "UNIFORM_SCALING":
		return nil, validationError("Value '%s' at 'scalingType' failed to satisfy constraint: Member must satisfy enum value set: [UNIFORM_SCALING]", in.ScalingType)
	case *in.TargetShardCount < 1:
		return nil, validationError("Value '%d' at 'targetShardCount' failed to satisfy constraint: Member must have value greater than or equal to 1", *in.TargetShardCount)
	}
	s, err := a.stream(in.streamRef)
	if err != nil {
		return nil, err
	}
	cur := s.Describe().OpenShards
	if err := s.UpdateShardCount(int(*in.TargetShardCount)); err != nil {
		return nil, a.streamError(s.Name(), err)
	}
	a.logger().Info("kinesis: shard count updated", "stream", s.Name(), "from", cur, "to", *in.TargetShardCount)
	return &updateShardCountOutput{StreamName: s.Name(), StreamARN: a.streamARN(s.Name()),
		CurrentShardCount: cur, TargetShardCount: *in.TargetShardCount}, nil
}
