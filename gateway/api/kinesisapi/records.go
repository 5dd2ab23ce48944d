package kinesisapi

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
	"github.com/tidegate/tidegate/shards"
)

// --- PutRecord, PutRecords

type putRecordInput struct {
	streamRef
	PartitionKey    string
	Data            []byte
	ExplicitHashKey string
	// SequenceNumberForOrdering is checked against its pattern and otherwise
	// ignored: a shard's records are in arrival order already.
	SequenceNumberForOrdering string
}

type putRecordOutput struct {
	ShardId        string
	SequenceNumber string
	EncryptionType string
}

type putRecordsInput struct {
	streamRef
	Records []putRecordsEntry
}

type putRecordsEntry struct {
	Data            []byte
	ExplicitHashKey string
	PartitionKey    string
}

type putRecordsOutput struct {
	FailedRecordCount int
	Records           []putRecordsResult
	EncryptionType    string
}

type putRecordsResult struct {
	SequenceNumber string `json:",omitempty"`
	ShardId        string `json:",omitempty"`
	ErrorCode      string `json:",omitempty"`
	ErrorMessage   string `json:",omitempty"`
}

// checkEntry validates one record as Kinesis's request validation does;
// index is its place in PutRecords, -1 in PutRecord.
func checkEntry(index int, key string, data []byte, ehk string, maxRecord int) error {
	if data != nil && len(key) > 0 && len(key) <= shards.MaxPartitionKeyLength && len(data)+len(key) <= maxRecord && ehk == "" {
		return nil // the common case, without building the member path
	}
	member := ""
	if index >= 0 {
		member = "records." + strconv.Itoa(index+1) + ".member."
	}
	switch n := utf8.RuneCountInString(key); {
	case data == nil:
		return required(member + "data")
	case key == "":
		return validationError("Value '' at '%spartitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1", member)
	case n > shards.MaxPartitionKeyLength:
		return validationError("Value '%s' at '%spartitionKey' failed to satisfy constraint: Member must have length less than or equal to %d", awsjson.Truncate(key, 300), member, shards.MaxPartitionKeyLength)
	case len(data)+len(key) > maxRecord:
		return validationError("Value 'java.nio.HeapByteBuffer[pos=0 lim=%d cap=%d]' at '%sdata' failed to satisfy constraint: Member must have length less than or equal to %d",
			len(data), len(data), member, maxRecord-len(key))
	}
	if ehk != "" {
		if err := checkHashKey(member+"explicitHashKey", ehk); err != nil {
			return err
		}
		if _, err := shards.ParseHashKey(ehk); err != nil {
			return awsjson.NewError(errInvalidArgument, "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was %s", ehk)
		}
	}
	return nil
}

// maxCall is the most data one put may carry: 5 MiB, or one record of the
// stream's maximum size.
func maxCall(maxRecord int) int { return max(shards.MaxBytesPerPut, maxRecord) }

func (a *API) putRecord(r *http.Request, in *putRecordInput) (*putRecordOutput, error) {
	s, err := a.stream(in.streamRef)
	if err != nil {
		return nil, err
	}
	if err := checkEntry(-1, in.PartitionKey, in.Data, in.ExplicitHashKey, s.Config().MaxRecordSize); err != nil {
		return nil, err
	}
	if in.SequenceNumberForOrdering != "" {
		if err := checkSequenceNumber("sequenceNumberForOrdering", in.SequenceNumberForOrdering); err != nil {
			return nil, err
		}
	}
	e := shards.PutEntry{PartitionKey: in.PartitionKey, ExplicitHashKey: in.ExplicitHashKey, Data: in.Data}
	if a.throttled(s.Name()) {
		rt := newRouter(s)
		if id := rt.shardFor(e); !a.limiter().admitPut(s.Name(), id, len(e.Data)+len(e.PartitionKey), a.now()) {
			return nil, a.rateExceeded(s.Name(), id)
		}
	}
	res, err := s.PutRecord(r.Context(), e)
	if err != nil {
		return nil, a.putError(s.Name(), err)
	}
	a.metrics().RecordsIn(s.Name(), 1, len(in.Data))
	return &putRecordOutput{ShardId: res.ShardID, SequenceNumber: res.SequenceNumber, EncryptionType: encryptionNone}, nil
}

func (a *API) rateExceeded(stream, shard string) *awsjson.Error {
	return awsjson.NewError(errThroughputExceeded, "Rate exceeded for shard %s in stream %s under account %s.", shard, stream, a.account())
}

func (a *API) streamFull(stream string) string {
	return fmt.Sprintf("Stream %s under account %s is full (its byte limit is reached and its on_full policy is reject_new); retry with backoff.", stream, a.account())
}

// putError is what a put the engine refused gets. A full stream or a full
// disk is the throughput error Kinesis answers when a shard takes no more,
// which every SDK retries with backoff: both pass.
func (a *API) putError(stream string, err error) error {
	if msg, ok := a.refusal(stream, err); ok {
		return awsjson.NewError(errThroughputExceeded, "%s", msg)
	}
	return a.streamError(stream, err)
}

// refusal is the message of a put refused for now (a full stream, a full
// disk); ok is false for any other error.
func (a *API) refusal(stream string, err error) (msg string, ok bool) {
	switch {
	case errors.Is(err, shards.ErrStreamFull):
		return a.streamFull(stream), true
	case errors.Is(err, shards.ErrDiskFull):
		return diskFullMessage(err), true
	}
	return "", false
}

func (a *API) putRecords(r *http.Request, in *putRecordsInput) (*putRecordsOutput, error) {
	switch {
	case in.Records == nil:
		return nil, required("records")
	case len(in.Records) == 0:
		return nil, validationError("Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case len(in.Records) > shards.MaxRecordsPerPut:
		return nil, validationError("Value '[...]' at 'records' failed to satisfy constraint: Member must have length less than or equal to %d", shards.MaxRecordsPerPut)
	}
	s, err := a.stream(in.streamRef)
	if err != nil {
		return nil, err
	}
	maxRecord := s.Config().MaxRecordSize
	total := 0
	entries := make([]shards.PutEntry, len(in.Records))
	for i, r := range in.Records {
		if err := checkEntry(i, r.PartitionKey, r.Data, r.ExplicitHashKey, maxRecord); err != nil {
			return nil, err
		}
		total += len(r.Data) + len(r.PartitionKey)
		entries[i] = shards.PutEntry{PartitionKey: r.PartitionKey, ExplicitHashKey: r.ExplicitHashKey, Data: r.Data}
	}
	if total > maxCall(maxRecord) {
		return nil, awsjson.NewError(errInvalidArgument, "Records size exceeds %d MB limit", maxCall(maxRecord)>>20)
	}
	out := &putRecordsOutput{Records: make([]putRecordsResult, len(entries)), EncryptionType: encryptionNone}
	// Throttled records fail one by one; the others are put.
	put := entries
	var index []int // put[i] is entries[index[i]]; nil when all are put
	if a.throttled(s.Name()) {
		put, index = a.admitRecords(s, entries, out)
	}
	if len(put) > 0 {
		res, err := s.PutRecords(r.Context(), put)
		msg, refused := a.refusal(s.Name(), err)
		switch {
		case refused:
			// Per record, as Kinesis reports throttling, so producers
			// retry the failed records.
			for i := range put {
				out.Records[at(index, i)] = putRecordsResult{ErrorCode: errThroughputExceeded, ErrorMessage: msg}
			}
			out.FailedRecordCount += len(put)
			a.metrics().RecordsRejected(s.Name(), errThroughputExceeded, len(put))
		case err != nil:
			return nil, a.streamError(s.Name(), err)
		default:
			bytes := 0
			for i, r := range res {
				out.Records[at(index, i)] = putRecordsResult{SequenceNumber: r.SequenceNumber, ShardId: r.ShardID}
				bytes += len(put[i].Data)
			}
			a.metrics().RecordsIn(s.Name(), len(res), bytes)
		}
	}
	return out, nil
}

func at(index []int, i int) int {
	if index == nil {
		return i
	}
	return index[i]
}

// admitRecords takes each record's tokens from its shard's buckets in
// order, fails the ones that find none in out, and returns the rest with
// their indexes.
func (a *API) admitRecords(s *shards.Stream, entries []shards.PutEntry, out *putRecordsOutput) ([]shards.PutEntry, []int) {
	rt := newRouter(s)
	lim := a.limiter()
	now := a.now()
	put := make([]shards.PutEntry, 0, len(entries))
	index := make([]int, 0, len(entries))
	for i, e := range entries {
		id := rt.shardFor(e)
		if lim.admitPut(s.Name(), id, len(e.Data)+len(e.PartitionKey), now) {
			put = append(put, e)
			index = append(index, i)
			continue
		}
		out.Records[i] = putRecordsResult{ErrorCode: errThroughputExceeded, ErrorMessage: a.rateExceeded(s.Name(), id).Message}
		out.FailedRecordCount++
	}
	if n := len(entries) - len(put); n > 0 {
		a.metrics().RecordsRejected(s.Name(), errThroughputExceeded, n)
	}
	return put, index
}

// --- GetShardIterator

type getShardIteratorInput struct {
	streamRef
	ShardId                string
	ShardIteratorType      string
	StartingSequenceNumber string
	Timestamp              *timestamp
}

type getShardIteratorOutput struct{ ShardIterator string }

func (a *API) getShardIterator(_ *http.Request, in *getShardIteratorInput) (*getShardIteratorOutput, error) {
	if in.ShardId == "" {
		return nil, required("shardId")
	}
	typ, seq, ts, err := startingPosition("shardIteratorType", "startingSequenceNumber", in.ShardIteratorType, in.StartingSequenceNumber, in.Timestamp, a.now())
	if err != nil {
		return nil, err
	}
	s, err := a.stream(in.streamRef)
	if err != nil {
		return nil, err
	}
	c, err := a.cursor(s, in.ShardId, typ, seq, ts)
	if err != nil {
		return nil, err
	}
	return &getShardIteratorOutput{ShardIterator: a.encodeIterator(s.Name(), c)}, nil
}

// sequenceNumberRE is the pattern Kinesis validates sequence numbers in
// requests against.
var sequenceNumberRE = regexp.MustCompile(`^(0|[1-9]\d{0,128})$`)

func checkSequenceNumber(member, v string) error {
	if !sequenceNumberRE.MatchString(v) {
		return validationError("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})", awsjson.Truncate(v, 300), member)
	}
	return nil
}

// startingPosition checks an iterator type (member typeMember) and the
// sequence number (seqMember) or timestamp it needs, as GetShardIterator and
// SubscribeToShard take them; a timestamp after now is refused, as Kinesis
// does.
func startingPosition(typeMember, seqMember, typ, seq string, ts *timestamp, now time.Time) (shards.IteratorType, string, time.Time, error) {
	if seq != "" {
		if err := checkSequenceNumber(seqMember, seq); err != nil {
			return "", "", time.Time{}, err
		}
	}
	t := shards.IteratorType(typ)
	switch t {
	case "":
		return "", "", time.Time{}, required(typeMember)
	case shards.AtSequenceNumber, shards.AfterSequenceNumber:
		if seq == "" {
			return "", "", time.Time{}, awsjson.NewError(errInvalidArgument, "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified %s and no StartingSequenceNumber.", typ)
		}
	case shards.TrimHorizon, shards.Latest:
		if seq != "" {
			return "", "", time.Time{}, awsjson.NewError(errInvalidArgument, "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified %s and also a StartingSequenceNumber.", typ)
		}
	case shards.AtTimestamp:
		if ts == nil || ts.IsZero() {
			return "", "", time.Time{}, awsjson.NewError(errInvalidArgument, "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.")
		}
		if ts.After(now) {
			return "", "", time.Time{}, awsjson.NewError(errInvalidArgument, "The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: %d, currentTimestampInMillis: %d",
				ts.UnixMilli(), now.UnixMilli())
		}
		return t, "", ts.Time, nil
	default:
		return "", "", time.Time{}, validationError("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]", typ, typeMember)
	}
	return t, seq, time.Time{}, nil
}

// cursor positions a reader in a shard of s.
func (a *API) cursor(s *shards.Stream, shardID string, typ shards.IteratorType, seq string, ts time.Time) (shards.Cursor, error) {
	notFound := awsjson.NewError(errResourceNotFound, "Shard %s in stream %s under account %s does not exist", shardID, s.Name(), a.account())
	if !validShardID(shardID) {
		return shards.Cursor{}, notFound
	}
	c, err := s.Iterator(shardID, typ, seq, ts)
	switch {
	case errors.Is(err, shards.ErrNotFound):
		return c, notFound
	case errors.Is(err, shards.ErrInvalidArgument):
		return c, awsjson.NewError(errInvalidArgument, "StartingSequenceNumber %s used in GetShardIterator on shard %s in stream %s under account %s is invalid.",
			awsjson.Truncate(seq, 128), shardID, s.Name(), a.account())
	case err != nil:
		return c, a.streamError(s.Name(), err)
	}
	return c, nil
}

// --- GetRecords

type getRecordsInput struct {
	ShardIterator string
	Limit         *int32
	StreamARN     string
}

type getRecordsOutput struct {
	Records            []record
	NextShardIterator  string `json:",omitempty"`
	MillisBehindLatest int64
	ChildShards        []childShard `json:",omitempty"`
}

type record struct {
	SequenceNumber              string
	ApproximateArrivalTimestamp timestamp
	Data                        []byte
	PartitionKey                string
}

type childShard struct {
	ShardId      string
	ParentShards []string
	HashKeyRange hashKeyRange
}

func recordsOut(rs []shards.Record) ([]record, int) {
	out := make([]record, len(rs))
	bytes := 0
	for i := range rs {
		r := &rs[i]
		out[i] = record{SequenceNumber: r.SequenceNumber(), ApproximateArrivalTimestamp: timestamp{r.ArrivalTime},
			Data: r.Data, PartitionKey: r.PartitionKey}
		bytes += len(r.Data)
	}
	return out, bytes
}

func childShardsOut(cs []shards.ShardInfo) []childShard {
	out := make([]childShard, 0, len(cs))
	for _, c := range cs {
		parents := []string{c.ParentShardID}
		if c.AdjacentParentShardID != "" {
			parents = append(parents, c.AdjacentParentShardID)
		}
		out = append(out, childShard{ShardId: c.ShardID, ParentShards: parents, HashKeyRange: hashRangeOut(c.HashKeyRange)})
	}
	return out
}

func (a *API) getRecords(_ *http.Request, in *getRecordsInput) (*getRecordsOutput, error) {
	if in.ShardIterator == "" {
		return nil, required("shardIterator")
	}
	lim, err := limit("limit", in.Limit, shards.MaxRecordsPerRead, shards.MaxRecordsPerRead)
	if err != nil {
		return nil, err
	}
	it, err := a.decodeIterator(in.ShardIterator)
	if err != nil {
		return nil, err
	}
	if in.StreamARN != "" {
		name, err := a.parseStreamARN(in.StreamARN)
		if err != nil {
			return nil, err
		}
		if name != it.stream {
			return nil, awsjson.NewError(errInvalidArgument, "The ShardIterator is not for stream %s.", in.StreamARN)
		}
	}
	s, err := a.streamByName(it.stream)
	if err != nil {
		return nil, err
	}
	shardID := it.cursor.ShardID()
	throttled := a.throttled(s.Name())
	if throttled && !a.limiter().admitGet(s.Name(), shardID, a.now()) {
		return nil, a.rateExceeded(s.Name(), shardID)
	}
	res, err := s.Read(it.cursor, int(lim))
	switch {
	case errors.Is(err, shards.ErrNotFound):
		return nil, awsjson.NewError(errResourceNotFound, "Shard %s in stream %s under account %s does not exist", shardID, s.Name(), a.account())
	case errors.Is(err, shards.ErrInvalidArgument): // the stream was deleted and created again
		return nil, awsjson.NewError(errInvalidArgument, "Invalid ShardIterator: stream %s was deleted and re-created since it was issued.", s.Name())
	case err != nil:
		return nil, a.streamError(s.Name(), err)
	}
	out := &getRecordsOutput{MillisBehindLatest: res.MillisBehindLatest}
	var bytes int
	out.Records, bytes = recordsOut(res.Records)
	if throttled {
		a.limiter().chargeGet(s.Name(), shardID, bytes, a.now())
	}
	if res.Closed {
		out.ChildShards = childShardsOut(res.ChildShards)
	} else {
		out.NextShardIterator = a.encodeIterator(s.Name(), res.Next)
	}
	a.metrics().RecordsOut(s.Name(), len(out.Records), bytes)
	return out, nil
}
