package query

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/tidegate/tidegate/shards"
)

// follower reads one input stream: every shard in lineage order (a child once its parents
// are read to their end, so that the records of one partition key come in order across a
// split or a merge), each from its position.
type follower struct {
	name   string
	stream *shards.Stream
	id     int64 // the stream's id: a stream deleted and made again is another
	shards map[int]*shardState
	active []*shardState // the shards being read, in creation order
}

type shardState struct {
	idx     int
	info    shards.ShardInfo
	pos     uint64 // the next position to read
	reading bool
	done    bool // read to its end
}

// start is where a follower with no saved position begins.
type start struct {
	since *time.Time // every shard from this time (SINCE)
	// latest: the open shards at their tips, the closed ones done (a new query reads
	// what comes); else every shard from its beginning (an ad-hoc query over history).
	latest bool
}

// openFollower prepares a stream for reading from saved positions, or from st when there
// are none (or they are of a stream of that name deleted since).
func openFollower(store *shards.Store, name string, saved *inputPos, st start) (*follower, error) {
	s, err := store.Stream(name)
	if err != nil {
		return nil, err
	}
	f := &follower{name: name, stream: s, id: s.Describe().ID, shards: map[int]*shardState{}}
	all := s.Shards()
	for _, info := range all {
		idx, err := shards.ParseShardID(info.ShardID)
		if err != nil {
			return nil, err
		}
		f.shards[idx] = &shardState{idx: idx, info: info}
	}
	if saved != nil && saved.StreamID == f.id {
		for _, p := range saved.Shards {
			if sh := f.shards[p.Shard]; sh != nil {
				sh.pos, sh.done = p.Pos, p.Done
			}
		}
		// A shard the positions do not name was made after them: from its beginning.
	} else {
		for _, sh := range f.shards {
			switch {
			case st.since != nil:
				c, err := s.Iterator(sh.info.ShardID, shards.AtTimestamp, "", *st.since)
				if err != nil {
					return nil, err
				}
				sh.pos = c.Pos
			case st.latest && !sh.info.Open():
				sh.done = true
			case st.latest:
				c, err := s.Iterator(sh.info.ShardID, shards.Latest, "", time.Time{})
				if err != nil {
					return nil, err
				}
				sh.pos = c.Pos
			}
		}
	}
	f.refresh()
	return f, nil
}

// refresh learns the shards a reshard made and starts reading each shard whose parents
// are done (a parent that no longer exists counts as done).
func (f *follower) refresh() {
	all := f.stream.Shards()
	for _, info := range all {
		idx, err := shards.ParseShardID(info.ShardID)
		if err != nil {
			continue
		}
		if sh, ok := f.shards[idx]; ok {
			sh.info = info
			continue
		}
		f.shards[idx] = &shardState{idx: idx, info: info}
	}
	for _, info := range all {
		idx, _ := shards.ParseShardID(info.ShardID)
		sh := f.shards[idx]
		if sh == nil || sh.reading || sh.done || !f.parentsDone(info) {
			continue
		}
		sh.reading = true
		f.active = append(f.active, sh)
	}
	slices.SortFunc(f.active, func(a, b *shardState) int { return a.idx - b.idx })
}

func (f *follower) parentsDone(info shards.ShardInfo) bool {
	for _, p := range []string{info.ParentShardID, info.AdjacentParentShardID} {
		if p == "" {
			continue
		}
		idx, err := shards.ParseShardID(p)
		if err != nil {
			continue
		}
		if sh, ok := f.shards[idx]; ok && !sh.done {
			return false
		}
	}
	return true
}

// finish marks a shard read to its end.
func (f *follower) finish(sh *shardState) {
	sh.done, sh.reading = true, false
	f.active = slices.DeleteFunc(f.active, func(a *shardState) bool { return a == sh })
	f.refresh()
}

// read reads from the active shards, at most limit records in all, each shard's no
// further than bound's position in it (nil: no bound), and hands each shard's records to
// each. caughtUp reports that every shard is read up to its tip (or its bound).
func (f *follower) read(limit int, bound *follower, each func(sh *shardState, recs []shards.Record)) (caughtUp bool, err error) {
	caughtUp = true
	for _, sh := range slices.Clone(f.active) {
		if limit <= 0 {
			return false, nil
		}
		stop, capped := uint64(0), false
		if bound != nil {
			b := bound.shards[sh.idx]
			switch {
			case b == nil || !b.reading && !b.done:
				continue // the bound has not reached this shard
			case !b.done:
				stop, capped = b.pos, true
				if sh.pos >= stop {
					continue
				}
			}
		}
		want := min(limit, shards.MaxRecordsPerRead)
		res, err := f.stream.Read(shards.Cursor{StreamID: f.id, Shard: sh.idx, Pos: sh.pos}, want)
		if err != nil {
			if errors.Is(err, shards.ErrNotFound) || errors.Is(err, shards.ErrInvalidArgument) {
				f.finish(sh) // the shard is gone (retention, or its stream deleted)
				continue
			}
			return false, fmt.Errorf("query: read %s/%s: %w", f.name, sh.info.ShardID, err)
		}
		recs, next := res.Records, res.Next.Pos
		if capped && next >= stop {
			n, _ := slices.BinarySearchFunc(recs, stop, func(r shards.Record, p uint64) int {
				return cmpPos(recordPos(&r), p)
			})
			recs, next, res.Closed = recs[:n], stop, false
		}
		sh.pos = next
		if len(recs) > 0 {
			each(sh, recs)
		}
		limit -= len(recs)
		switch {
		case res.Closed:
			if len(recs) == 0 {
				f.finish(sh)
			}
			caughtUp = false // its children may have records
		case capped:
			caughtUp = caughtUp && next >= stop
		default:
			tip, err := f.stream.Iterator(sh.info.ShardID, shards.Latest, "", time.Time{})
			caughtUp = caughtUp && (err != nil || next >= tip.Pos)
		}
	}
	return caughtUp, nil
}

func cmpPos(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// recordPos is a record's position in its shard, read from its sequence number
// ("49", the position in 20 digits, the shard, the stream).
func recordPos(r *shards.Record) uint64 {
	seq := r.SequenceNumber()
	if len(seq) < 22 {
		return 0
	}
	p, _ := strconv.ParseUint(seq[2:22], 10, 64)
	return p
}

// positions are the follower's positions, for a checkpoint.
func (f *follower) positions() inputPos {
	p := inputPos{Stream: f.name, StreamID: f.id}
	for _, sh := range f.shards {
		p.Shards = append(p.Shards, shardPos{Shard: sh.idx, Pos: sh.pos, Done: sh.done})
	}
	slices.SortFunc(p.Shards, func(a, b shardPos) int { return a.Shard - b.Shard })
	return p
}

// at reports whether f is where o is in every shard.
func (f *follower) at(o *follower) bool {
	if f.id != o.id || len(f.shards) != len(o.shards) {
		return false
	}
	for idx, sh := range f.shards {
		x := o.shards[idx]
		if x == nil || sh.done != x.done || !sh.done && (sh.pos != x.pos || sh.reading != x.reading) {
			return false
		}
	}
	return true
}

// jump moves f to the tips of its shards without reading: a cohort no query is in.
func (f *follower) jump() {
	for {
		moved := false
		for _, sh := range slices.Clone(f.active) {
			c, err := f.stream.Iterator(sh.info.ShardID, shards.Latest, "", time.Time{})
			if err != nil {
				f.finish(sh)
				moved = true
				continue
			}
			sh.pos = c.Pos
			if !sh.info.Open() {
				f.finish(sh)
				moved = true
			}
		}
		if !moved {
			return
		}
	}
}
