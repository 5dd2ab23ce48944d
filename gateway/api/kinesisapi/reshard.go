package kinesisapi

import (
	"errors"
	"math/big"
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
	sh, ok := shardInfo(s, in.ShardToSplit)
	if !ok {
		return nil, a.shardNotFound(s.Name(), in.ShardToSplit)
	}
	if err := a.checkSplitKey(s, sh, in.NewStartingHashKey); err != nil {
		return nil, err
	}
	if sh.EndingSequenceNumber != "" {
		return nil, a.shardClosed(s.Name(), sh.ShardID)
	}
	if err := s.SplitShard(in.ShardToSplit, in.NewStartingHashKey); err != nil {
		return nil, a.reshardError(s, in.ShardToSplit, err)
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
	var pair [2]shards.ShardInfo
	for i, id := range []string{in.ShardToMerge, in.AdjacentShardToMerge} {
		sh, ok := shardInfo(s, id)
		if !validShardID(id) || !ok {
			return nil, a.shardNotFound(s.Name(), id)
		}
		pair[i] = sh
	}
	for _, sh := range pair {
		if sh.EndingSequenceNumber != "" {
			return nil, a.shardClosed(s.Name(), sh.ShardID)
		}
	}
	if !adjacent(pair[0].HashKeyRange, pair[1].HashKeyRange) {
		return nil, a.notAdjacent(s.Name(), pair[0].ShardID, pair[1].ShardID)
	}
	if err := s.MergeShards(in.ShardToMerge, in.AdjacentShardToMerge); err != nil {
		return nil, a.reshardError(s, in.ShardToMerge, err)
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
	info := s.Describe()
	if settingsOf(info.Attributes).mode == modeOnDemand {
		return nil, awsjson.NewError(errValidation, "Request is invalid. Stream %s under account %s is in On-Demand mode.", s.Name(), a.account())
	}
	cur, target := info.OpenShards, int(*in.TargetShardCount)
	if err := a.checkTarget(cur, target); err != nil {
		return nil, err
	}
	if err := s.UpdateShardCount(target); err != nil {
		if errors.Is(err, shards.ErrInvalidArgument) { // the count changed meanwhile
			if cerr := a.checkTarget(s.Describe().OpenShards, target); cerr != nil {
				return nil, cerr
			}
		}
		return nil, a.reshardError(s, "", err)
	}
	a.logger().Info("kinesis: shard count updated", "stream", s.Name(), "from", cur, "to", *in.TargetShardCount)
	return &updateShardCountOutput{StreamName: s.Name(), StreamARN: a.streamARN(s.Name()),
		CurrentShardCount: cur, TargetShardCount: *in.TargetShardCount}, nil
}

// shardInfo returns shard id of s.
func shardInfo(s *shards.Stream, id string) (shards.ShardInfo, bool) {
	for _, sh := range s.Shards() {
		if sh.ShardID == id {
			return sh, true
		}
	}
	return shards.ShardInfo{}, false
}

// checkSplitKey refuses a NewStartingHashKey that would leave a child of one
// hash key or none: Kinesis wants it above the shard's start plus one and
// below its end.
func (a *API) checkSplitKey(s *shards.Stream, sh shards.ShardInfo, key string) error {
	k, ok := new(big.Int).SetString(key, 10)
	start, end := bigKey(sh.HashKeyRange.Start), bigKey(sh.HashKeyRange.End)
	if !ok || k.Cmp(new(big.Int).Add(start, big.NewInt(1))) <= 0 || k.Cmp(end) >= 0 {
		return awsjson.NewError(errInvalidArgument, "NewStartingHashKey %s used in SplitShard() on shard %s in stream %s under account %s is not both greater than one plus the shard's StartingHashKey %s and less than the shard's EndingHashKey %s.",
			key, sh.ShardID, s.Name(), a.account(), start, end)
	}
	return nil
}

func bigKey(h shards.HashKey) *big.Int {
	b, _ := new(big.Int).SetString(h.String(), 10)
	return b
}

// adjacent reports whether two hash key ranges touch.
func adjacent(a, b shards.HashRange) bool {
	one := big.NewInt(1)
	return new(big.Int).Add(bigKey(a.End), one).Cmp(bigKey(b.Start)) == 0 || new(big.Int).Add(bigKey(b.End), one).Cmp(bigKey(a.Start)) == 0
}

func (a *API) shardClosed(stream, id string) *awsjson.Error {
	return awsjson.NewError(errInvalidArgument, "Shard %s in stream %s under account %s has already been merged or split, and thus is not eligible for merging or splitting.",
		id, stream, a.account())
}

func (a *API) notAdjacent(stream, x, y string) *awsjson.Error {
	return awsjson.NewError(errInvalidArgument, "Shards %s and %s in stream %s under account %s are not an adjacent pair of shards eligible for merging",
		x, y, stream, a.account())
}

// checkTarget refuses an UpdateShardCount target beyond double or below half
// the open shards, as Kinesis does, in its words.
func (a *API) checkTarget(cur, target int) error {
	switch {
	case target > shards.MaxShards:
		return awsjson.NewError(errLimitExceeded, "Target shard count or number of open shards cannot be greater than %d. Current open shard count: %d Target shard count: %d", shards.MaxShards, cur, target)
	case target > 2*cur:
		return awsjson.NewError(errLimitExceeded, "UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: %d Target shard count: %d", cur, target)
	case 2*target < cur:
		return awsjson.NewError(errLimitExceeded, "UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: %d Target shard count: %d", cur, target)
	}
	return nil
}

// reshardError describes an engine refusal of a split, merge or shard count
// change that the checks before it did not foresee (a concurrent change).
func (a *API) reshardError(s *shards.Stream, id string, err error) error {
	switch {
	case errors.Is(err, shards.ErrNotFound) && id != "":
		return a.shardNotFound(s.Name(), id)
	case errors.Is(err, shards.ErrShardClosed):
		return a.shardClosed(s.Name(), id)
	case errors.Is(err, shards.ErrLimitExceeded):
		return awsjson.NewError(errLimitExceeded, "This request would exceed the shard limit of %d per stream for stream %s under account %s.", shards.MaxShards, s.Name(), a.account())
	}
	return a.streamError(s.Name(), err)
}
