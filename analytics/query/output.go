package query

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tidegate/tidegate/shards"
)

// output is a stream a pump's queries write: results after INSERT INTO, late rows after
// EMIT LATE INTO. Every record a query writes has the query's name as its partition key,
// so that its rows stay in order in one shard — and so that recovery can tell its records
// from those of other writers.
type output struct {
	name   string
	stream *shards.Stream // nil until first written (the stream is made then if missing)
}

// open finds the stream, making it (with the store's defaults) if it does not exist.
func (o *output) open(store *shards.Store) (*shards.Stream, error) {
	if o.stream != nil {
		return o.stream, nil
	}
	s, err := store.Stream(o.name)
	if errors.Is(err, shards.ErrNotFound) {
		s, err = store.CreateStream(o.name, shards.StreamConfig{Shards: 1})
		if errors.Is(err, shards.ErrExists) {
			s, err = store.Stream(o.name)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("query: output stream %q: %w", o.name, err)
	}
	o.stream = s
	return s, nil
}

// tips are where the stream ends now: the records written after them are newer.
func (o *output) tips(store *shards.Store) (id int64, tips []shardPos, err error) {
	s, err := o.open(store)
	if err != nil {
		return 0, nil, err
	}
	for _, info := range s.Shards() {
		c, err := s.Iterator(info.ShardID, shards.Latest, "", time.Time{})
		if err != nil {
			continue // gone meanwhile: nothing of it to look at
		}
		tips = append(tips, shardPos{Shard: c.Shard, Pos: c.Pos})
		id = c.StreamID
	}
	slices.SortFunc(tips, func(a, b shardPos) int { return a.Shard - b.Shard })
	return id, tips, nil
}

// put writes records with partition key key, in order: puts of at most 500 records and 5
// MiB, submitted one after another (the store keeps them in that order) and then waited
// for.
func (o *output) put(ctx context.Context, store *shards.Store, key string, rows [][]byte) error {
	if len(rows) == 0 {
		return nil
	}
	s, err := o.open(store)
	if err != nil {
		return err
	}
	var pending []*shards.Pending
	for len(rows) > 0 {
		n, size := 0, 0
		for n < len(rows) && n < shards.MaxRecordsPerPut && (n == 0 || size+len(rows[n])+len(key) <= shards.MaxBytesPerPut) {
			size += len(rows[n]) + len(key)
			n++
		}
		entries := make([]shards.PutEntry, n)
		for i := range entries {
			entries[i] = shards.PutEntry{PartitionKey: key, Data: rows[i]}
		}
		p, err := s.Submit(ctx, entries)
		if err != nil {
			return fmt.Errorf("query: write %s: %w", o.name, err)
		}
		pending = append(pending, p)
		rows = rows[n:]
	}
	var first error
	for _, p := range pending {
		if _, err := p.Wait(ctx); err != nil && first == nil {
			first = fmt.Errorf("query: write %s: %w", o.name, err)
		}
	}
	return first
}

// written counts how many of rows, in order, the stream holds after tips with partition
// key key: what a put interrupted by a crash stored. A record of another writer with that
// key is passed over unless its data is the next row's.
func (o *output) written(store *shards.Store, id int64, tips []shardPos, key string, rows [][]byte) (int, error) {
	s, err := o.open(store)
	if err != nil {
		return 0, err
	}
	if len(rows) == 0 || s.Describe().ID != id {
		return 0, nil // a stream made again since: none of these is in it
	}
	n := 0
	for _, info := range s.Shards() {
		idx, err := shards.ParseShardID(info.ShardID)
		if err != nil {
			continue
		}
		c := shards.Cursor{StreamID: id, Shard: idx} // a shard made after the tips: from its start
		for _, t := range tips {
			if t.Shard == idx {
				c.Pos = t.Pos
			}
		}
		for n < len(rows) {
			res, err := s.Read(c, shards.MaxRecordsPerRead)
			if err != nil {
				break
			}
			for i := range res.Records {
				r := &res.Records[i]
				if n < len(rows) && r.PartitionKey == key && bytes.Equal(r.Data, rows[n]) {
					n++
				}
			}
			if len(res.Records) == 0 || res.Closed {
				break
			}
			c = res.Next
		}
	}
	return n, nil
}
