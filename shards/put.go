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
	p, err := s.Submit(ctx, entries)
	if err != nil {
		return nil, err
	}
	return p.Wait(ctx)
}

// Pending is a put queued by Submit.
type Pending struct {
	s *Stream
	r *request
}

// Submit validates entries and queues them for the next group commit
// without waiting for it. Puts submitted one after another are stored in
// that order (the writer takes them from one queue), so a caller can keep
// several puts in flight and still keep its records in order. The error is
// a validation error or ErrClosed; the put's outcome comes from Wait.
func (s *Stream) Submit(ctx context.Context, entries []PutEntry) (*Pending, error) {
	return s.submit(ctx, entries, false)
}

// submit is Submit; reserved puts may use the disk's reserve.
func (s *Stream) submit(ctx context.Context, entries []PutEntry, reserved bool) (*Pending, error) {
	r, err := s.newRequest(entries)
	if err != nil {
		return nil, err
	}
	r.reserved = reserved
	select {
	case s.reqs <- r:
	case <-s.stopping:
		return nil, fmt.Errorf("shards: stream %q: %w", s.name, ErrClosed)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &Pending{s: s, r: r}, nil
}

// Wait returns once the put is on disk (or failed), with a result per
// record in the order given, as PutRecords does.
func (p *Pending) Wait(ctx context.Context) ([]PutResult, error) {
	s, r := p.s, p.r
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
	for i, pl := range r.placed {
		if pl.shard >= len(fs) {
			fs = append(fs, make([]*seqFormatter, pl.shard+1-len(fs))...)
		}
		if fs[pl.shard] == nil {
			fs[pl.shard] = seqSuffix(id, pl.shard)
		}
		d := digits[i*seqLen : (i+1)*seqLen]
		fs[pl.shard].formatInto(d, pl.pos)
		out[i] = PutResult{ShardID: ShardID(pl.shard), SequenceNumber: unsafe.String(&d[0], seqLen)}
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
