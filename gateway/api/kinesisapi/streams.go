package kinesisapi

import (
	"encoding/base64"
	"errors"
	"net/http"
	"sort"
	"time"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
	"github.com/tidegate/tidegate/shards"
)

type emptyOutput struct{}

// retentionHours reports a retention in whole hours, rounding up: the engine
// allows minutes, the API speaks hours.
func retentionHours(d time.Duration) int32 { return int32((d + time.Hour - 1) / time.Hour) }

// limit checks an optional Limit-like member against [1, max] and returns it
// or def.
func limit(member string, v *int32, def, max int32) (int32, error) {
	switch {
	case v == nil:
		return def, nil
	case *v < 1:
		return 0, validationError("Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to 1", *v, member)
	case *v > max:
		return 0, validationError("Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", *v, member, max)
	}
	return *v, nil
}

func required(member string) error {
	return validationError("Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}

// --- CreateStream, DeleteStream

type createStreamInput struct {
	StreamName         string
	ShardCount         *int32
	StreamModeDetails  *streamModeDetails
	MaxRecordSizeInKiB *int32
	Tags               map[string]string
}

func (a *API) createStream(_ *http.Request, in *createStreamInput) (*emptyOutput, error) {
	if in.StreamName == "" {
		return nil, required("streamName")
	}
	if err := checkName("streamName", in.StreamName); err != nil {
		return nil, err
	}
	n := int32(1)
	mode := modeProvision
	if in.StreamModeDetails != nil {
		mode = in.StreamModeDetails.StreamMode
		if err := checkMode("streamModeDetails.streamMode", mode); err != nil {
			return nil, err
		}
		if mode == modeOnDemand {
			n = onDemandShards
		}
	}
	if in.ShardCount != nil {
		if *in.ShardCount < 1 {
			return nil, validationError("Value '%d' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1", *in.ShardCount)
		}
		n = *in.ShardCount
	}
	if n > shards.MaxShards {
		return nil, awsjson.NewError(errLimitExceeded, "This request would exceed the shard limit of %d per stream. Number of shards requested: %d.", shards.MaxShards, n)
	}
	cfg := shards.StreamConfig{Shards: int(n)}
	if in.MaxRecordSizeInKiB != nil {
		kib, err := maxRecordKiB(*in.MaxRecordSizeInKiB)
		if err != nil {
			return nil, err
		}
		cfg.MaxRecordSize = kib << 10
	}
	if len(in.Tags) > 0 {
		if err := checkTags(in.Tags); err != nil {
			return nil, err
		}
		if len(in.Tags) > maxTags {
			return nil, a.tooManyTags("create stream "+in.StreamName, "stream")
		}
	}
	s, err := a.Store.CreateStream(in.StreamName, cfg)
	switch {
	case errors.Is(err, shards.ErrExists):
		return nil, awsjson.NewError(errResourceInUse, "Stream %s under account %s already exists.", in.StreamName, a.account())
	case err != nil:
		return nil, err
	}
	if len(in.Tags) > 0 {
		if err := s.SetTags(in.Tags); err != nil {
			return nil, a.streamError(in.StreamName, err)
		}
	}
	if mode == modeOnDemand {
		if err := s.SetAttributes(map[string]string{attrMode: modeOnDemand}); err != nil {
			return nil, a.streamError(in.StreamName, err)
		}
	}
	a.logger().Info("kinesis: stream created", "stream", in.StreamName, "shards", n, "mode", mode)
	return &emptyOutput{}, nil
}

func maxRecordKiB(v int32) (int, error) {
	switch {
	case v < 1024:
		return 0, validationError("Value '%d' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value greater than or equal to 1024", v)
	case v > shards.MaxMaxRecordSize>>10:
		return 0, validationError("Value '%d' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value less than or equal to %d", v, shards.MaxMaxRecordSize>>10)
	}
	return int(v), nil
}

type deleteStreamInput struct {
	streamRef
	EnforceConsumerDeletion bool
}

func (a *API) deleteStream(_ *http.Request, in *deleteStreamInput) (*emptyOutput, error) {
	s, err := a.stream(in.streamRef)
	if err != nil {
		return nil, err
	}
	if !in.EnforceConsumerDeletion {
		cs, err := s.Consumers()
		if err != nil {
			return nil, a.streamError(s.Name(), err)
		}
		if len(cs) > 0 {
			return nil, awsjson.NewError(errResourceInUse, "Stream %s under account %s has registered consumers.", s.Name(), a.account())
		}
	}
	if err := a.Store.DeleteStream(s.Name()); err != nil {
		return nil, a.streamError(s.Name(), err)
	}
	a.logger().Info("kinesis: stream deleted", "stream", s.Name())
	return &emptyOutput{}, nil
}

// --- DescribeStream, DescribeStreamSummary

type describeStreamInput struct {
	streamRef
	Limit                 *int32
	ExclusiveStartShardId string
}

type describeStreamOutput struct{ StreamDescription streamDescription }

type streamDescription struct {
	StreamName              string
	StreamARN               string
	StreamStatus            string
	StreamModeDetails       streamModeDetails
	Shards                  []shard
	HasMoreShards           bool
	RetentionPeriodHours    int32
	StreamCreationTimestamp timestamp
	EnhancedMonitoring      []enhancedMetrics
	EncryptionType          string
	KeyId                   string `json:",omitempty"`
}

type shard struct {
	ShardId               string
	ParentShardId         string `json:",omitempty"`
	AdjacentParentShardId string `json:",omitempty"`
	HashKeyRange          hashKeyRange
	SequenceNumberRange   sequenceNumberRange
}

type hashKeyRange struct{ StartingHashKey, EndingHashKey string }

type sequenceNumberRange struct {
	StartingSequenceNumber string
	EndingSequenceNumber   string `json:",omitempty"`
}

func shardOut(i shards.ShardInfo) shard {
	return shard{
		ShardId:               i.ShardID,
		ParentShardId:         i.ParentShardID,
		AdjacentParentShardId: i.AdjacentParentShardID,
		HashKeyRange:          hashRangeOut(i.HashKeyRange),
		SequenceNumberRange: sequenceNumberRange{
			StartingSequenceNumber: i.StartingSequenceNumber,
			EndingSequenceNumber:   i.EndingSequenceNumber,
		},
	}
}

func hashRangeOut(r shards.HashRange) hashKeyRange {
	return hashKeyRange{StartingHashKey: r.Start.String(), EndingHashKey: r.End.String()}
}

func (a *API) describeStream(_ *http.Request, in *describeStreamInput) (*describeStreamOutput, error) {
	lim, err := limit("limit", in.Limit, 100, 10000)
	if err != nil {
		return nil, err
	}
	s, err := a.stream(in.streamRef)
	if err != nil {
		return nil, err
	}
	info := s.Describe()
	set := settingsOf(info.Attributes)
	out := &describeStreamOutput{StreamDescription: streamDescription{
		StreamName:              info.Name,
		StreamARN:               a.streamARN(info.Name),
		StreamStatus:            statusActive,
		StreamModeDetails:       set.modeDetails(),
		Shards:                  []shard{},
		RetentionPeriodHours:    retentionHours(info.Config.Retention),
		StreamCreationTimestamp: timestamp{info.Created},
		EnhancedMonitoring:      set.monitoring(),
		EncryptionType:          set.encryption,
		KeyId:                   set.keyID,
	}}
	d := &out.StreamDescription
	for _, sh := range info.Shards {
		if in.ExclusiveStartShardId != "" && !shardAfter(sh.ShardID, in.ExclusiveStartShardId) {
			continue
		}
		if len(d.Shards) == int(lim) {
			d.HasMoreShards = true
			break
		}
		d.Shards = append(d.Shards, shardOut(sh))
	}
	return out, nil
}

type describeStreamSummaryInput struct{ streamRef }

type describeStreamSummaryOutput struct{ StreamDescriptionSummary streamDescriptionSummary }

type streamDescriptionSummary struct {
	StreamName              string
	StreamARN               string
	StreamStatus            string
	StreamModeDetails       streamModeDetails
	RetentionPeriodHours    int32
	StreamCreationTimestamp timestamp
	EnhancedMonitoring      []enhancedMetrics
	EncryptionType          string
	KeyId                   string `json:",omitempty"`
	OpenShardCount          int
	ConsumerCount           int
	MaxRecordSizeInKiB      int
}

func (a *API) describeStreamSummary(_ *http.Request, in *describeStreamSummaryInput) (*describeStreamSummaryOutput, error) {
	s, err := a.stream(in.streamRef)
	if err != nil {
		return nil, err
	}
	info := s.Describe()
	cs, err := s.Consumers()
	if err != nil {
		return nil, a.streamError(info.Name, err)
	}
	set := settingsOf(info.Attributes)
	return &describeStreamSummaryOutput{StreamDescriptionSummary: streamDescriptionSummary{
		StreamName:              info.Name,
		StreamARN:               a.streamARN(info.Name),
		StreamStatus:            statusActive,
		StreamModeDetails:       set.modeDetails(),
		RetentionPeriodHours:    retentionHours(info.Config.Retention),
		StreamCreationTimestamp: timestamp{info.Created},
		EnhancedMonitoring:      set.monitoring(),
		EncryptionType:          set.encryption,
		KeyId:                   set.keyID,
		OpenShardCount:          info.OpenShards,
		ConsumerCount:           len(cs),
		MaxRecordSizeInKiB:      info.Config.MaxRecordSize >> 10,
	}}, nil
}

// --- ListStreams

type listStreamsInput struct {
	Limit                    *int32
	ExclusiveStartStreamName string
	NextToken                string
}

type listStreamsOutput struct {
	StreamNames     []string
	HasMoreStreams  bool
	NextToken       string `json:",omitempty"`
	StreamSummaries []streamSummary
}

type streamSummary struct {
	StreamName              string
	StreamARN               string
	StreamStatus            string
	StreamModeDetails       streamModeDetails
	StreamCreationTimestamp timestamp
}

// maxListStreams is the most ListStreams returns at once, as in Kinesis.
const maxListStreams = 100

func (a *API) listStreams(_ *http.Request, in *listStreamsInput) (*listStreamsOutput, error) {
	lim, err := limit("limit", in.Limit, maxListStreams, 10000)
	if err != nil {
		return nil, err
	}
	lim = min(lim, maxListStreams)
	after := in.ExclusiveStartStreamName
	if in.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil || len(b) == 0 {
			return nil, awsjson.NewError(errInvalidArgument, "Invalid NextToken.")
		}
		after = string(b)
	}
	names := a.Store.Streams() // sorted
	i := sort.SearchStrings(names, after)
	if i < len(names) && names[i] == after {
		i++
	}
	out := &listStreamsOutput{StreamNames: []string{}, StreamSummaries: []streamSummary{}}
	for ; i < len(names); i++ {
		if len(out.StreamNames) == int(lim) {
			out.HasMoreStreams = true
			out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(out.StreamNames[len(out.StreamNames)-1]))
			break
		}
		s, err := a.Store.Stream(names[i])
		if err != nil {
			continue // deleted meanwhile
		}
		info := s.Describe()
		out.StreamNames = append(out.StreamNames, info.Name)
		out.StreamSummaries = append(out.StreamSummaries, streamSummary{
			StreamName:              info.Name,
			StreamARN:               a.streamARN(info.Name),
			StreamStatus:            statusActive,
			StreamModeDetails:       settingsOf(info.Attributes).modeDetails(),
			StreamCreationTimestamp: timestamp{info.Created},
		})
	}
	return out, nil
}

// --- DescribeLimits

type describeLimitsOutput struct {
	ShardLimit               int
	OpenShardCount           int
	OnDemandStreamCount      int
	OnDemandStreamCountLimit int
}

func (a *API) describeLimits(*http.Request, *emptyOutput) (*describeLimitsOutput, error) {
	out := &describeLimitsOutput{}
	for _, name := range a.Store.Streams() {
		s, err := a.Store.Stream(name)
		if err != nil {
			continue
		}
		info := s.Describe()
		out.OpenShardCount += info.OpenShards
		out.ShardLimit += shards.MaxShards
		if settingsOf(info.Attributes).mode == modeOnDemand {
			out.OnDemandStreamCount++
		}
	}
	// The engine limits shards per stream, not per account: report room for
	// one more full stream.
	out.ShardLimit += shards.MaxShards
	out.OnDemandStreamCountLimit = onDemandStreamLimit
	return out, nil
}

// --- retention, record size

type retentionInput struct {
	streamRef
	RetentionPeriodHours *int32
}

func (a *API) increaseRetention(_ *http.Request, in *retentionInput) (*emptyOutput, error) {
	return a.changeRetention(in, true)
}

func (a *API) decreaseRetention(_ *http.Request, in *retentionInput) (*emptyOutput, error) {
	return a.changeRetention(in, false)
}

// changeRetention follows Kinesis: an increase may not shorten the period, a
// decrease may not lengthen it; the same period is accepted.
func (a *API) changeRetention(in *retentionInput, increase bool) (*emptyOutput, error) {
	if in.RetentionPeriodHours == nil {
		return nil, required("retentionPeriodHours")
	}
	h, err := limit("retentionPeriodHours", in.RetentionPeriodHours, 0, int32(shards.MaxRetention/time.Hour))
	if err != nil {
		return nil, err
	}
	s, err := a.stream(in.streamRef)
	if err != nil {
		return nil, err
	}
	want := time.Duration(h) * time.Hour
	// The check runs inside Reconfigure so that it sees the period it
	// replaces, even with concurrent changes.
	var refused error
	err = s.Reconfigure(func(c *shards.StreamConfig) {
		cur := c.Retention
		switch {
		case increase && want < cur:
			refused = awsjson.NewError(errInvalidArgument, "Requested retention period (%d hours) for stream %s can not be shorter than existing retention period (%d hours). Use DecreaseRetentionPeriod API.", h, s.Name(), retentionHours(cur))
		case !increase && want > cur:
			refused = awsjson.NewError(errInvalidArgument, "Requested retention period (%d hours) for stream %s can not be longer than existing retention period (%d hours). Use IncreaseRetentionPeriod API.", h, s.Name(), retentionHours(cur))
		default:
			c.Retention = want
		}
	})
	if refused != nil {
		return nil, refused
	}
	return a.reconfigured(s, err)
}

// reconfigured answers a Reconfigure.
func (a *API) reconfigured(s *shards.Stream, err error) (*emptyOutput, error) {
	if err != nil {
		return nil, a.streamError(s.Name(), err)
	}
	return &emptyOutput{}, nil
}

type updateMaxRecordSizeInput struct {
	streamRef
	MaxRecordSizeInKiB *int32
}

func (a *API) updateMaxRecordSize(_ *http.Request, in *updateMaxRecordSizeInput) (*emptyOutput, error) {
	if in.MaxRecordSizeInKiB == nil {
		return nil, required("maxRecordSizeInKiB")
	}
	kib, err := maxRecordKiB(*in.MaxRecordSizeInKiB)
	if err != nil {
		return nil, err
	}
	s, err := a.stream(in.streamRef)
	if err != nil {
		return nil, err
	}
	return a.reconfigured(s, s.Reconfigure(func(c *shards.StreamConfig) { c.MaxRecordSize = kib << 10 }))
}
