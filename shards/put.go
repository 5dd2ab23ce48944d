package shards

import (
	"context"
	"fmt"
	"unicode/utf8"
	"unsafe"
)

// PutEntry is one record to put.
type PutEntry struct {
	PartitionKey string
	// ExplicitHashKey, when set, routes the record instead of the MD5 of
	// its partition key: a decimal number in [0, 2^128-1].
	ExplicitHashKey string
	Data            []byte
}

// PutResult says where a record landed.
type PutResult struct {
	ShardID        string
	SequenceNumber string
}

// PutRecord stores one record and returns once it is on disk.
func (s *Stream) PutRecord(ctx context.Context, e PutEntry) (PutResult, error) {
	res, err := s.PutRecords(ctx, []PutEntry{e})
	if err != nil {
		return PutResult{}, err
	}
	return res[0], nil
}

// PutRecords stores up to 500 records (5 MiB) and returns, once they are on
// disk, a result per record in the order given. Either every record is
// stored or, with an error, none is acknowledged: an invalid record fails
// the whole call before anything is written. If ctx ends first the outcome
// is unknown, as with any network put: the records may have been stored.
//
// The engine reads entries' Data until the records are encoded for their
// commit. When PutRecords returns normally that is over; when it returns
// because ctx ended, it may not be, so the caller must not reuse the Data
// buffers then.
func (s *Stream) PutRecords(ctx context.Context, entries []PutEntry) ([]PutResult, error) {
	r, err := s.newRequest(entries)
	if err != nil {
		return nil, err
	}
	select {
	case s.reqs <- r:
	case <-s.stopping:
		return nil, fmt.Errorf("shards: stream %q: %w", s.name, ErrClosed)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case <-r.done:
	case <-s.done:
		select {
		case <-r.done:
		default:
			return nil, fmt.Errorf("shards: stream %q: %w", s.name, ErrClosed)
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if r.err != nil {
		return nil, r.err
	}
	id := s.idOf()
	out := make([]PutResult, len(r.placed))
	// One allocation holds every sequence number; the strings are views of
	// it, never written again.
	digits := make([]byte, len(r.placed)*seqLen)
	var fs []*seqFormatter // by shard index
	for i, p := range r.placed {
		if p.shard >= len(fs) {
			fs = append(fs, make([]*seqFormatter, p.shard+1-len(fs))...)
		}
		if fs[p.shard] == nil {
			fs[p.shard] = seqSuffix(id, p.shard)
		}
		d := digits[i*seqLen : (i+1)*seqLen]
		fs[p.shard].formatInto(d, p.pos)
		out[i] = PutResult{ShardID: ShardID(p.shard), SequenceNumber: unsafe.String(&d[0], seqLen)}
	}
	return out, nil
}

// newRequest validates entries against the Kinesis limits and computes
// their hash keys.
func (s *Stream) newRequest(entries []PutEntry) (*request, error) {
	switch {
	case len(entries) == 0:
		return nil, fmt.Errorf("%w: a put needs at least one record", ErrInvalidArgument)
	case len(entries) > MaxRecordsPerPut:
		return nil, fmt.Errorf("%w: %d records in one put, the limit is %d", ErrLimitExceeded, len(entries), MaxRecordsPerPut)
	}
	s.mu.RLock()
	maxRecord := s.meta.Config.MaxRecordSize
	s.mu.RUnlock()
	maxCall := max(MaxBytesPerPut, maxRecord)
	r := &request{entries: make([]entry, len(entries)), done: make(chan struct{})}
	for i, e := range entries {
		n := len(e.PartitionKey)
		if n > MaxPartitionKeyLength { // only then can the count of characters be over
			n = utf8.RuneCountInString(e.PartitionKey)
		}
		if n < 1 || n > MaxPartitionKeyLength {
			return nil, fmt.Errorf("%w: record %d: partition key must be 1-%d characters, got %d", ErrInvalidArgument, i, MaxPartitionKeyLength, n)
		}
		size := len(e.Data) + len(e.PartitionKey)
		if size > maxRecord {
			return nil, fmt.Errorf("%w: record %d: %d bytes of data and partition key, the stream's limit is %d", ErrLimitExceeded, i, size, maxRecord)
		}
		r.bytes += size
		var h HashKey
		if e.ExplicitHashKey != "" {
			var err error
			if h, err = ParseHashKey(e.ExplicitHashKey); err != nil {
				return nil, fmt.Errorf("record %d: explicit hash key: %w", i, err)
			}
		} else {
			h = HashPartitionKey(e.PartitionKey)
		}
		r.entries[i] = entry{hash: h, key: e.PartitionKey, data: e.Data}
	}
	if r.bytes > maxCall {
		return nil, fmt.Errorf("%w: %d bytes in one put, the limit is %d", ErrLimitExceeded, r.bytes, maxCall)
	}
	return r, nil
}
