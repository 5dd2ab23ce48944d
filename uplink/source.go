package uplink

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tidegate/tidegate/shards"
)

// source follows one stream for a delivery: every shard in hash-key lineage
// order (a child only once its parents are read to their end, so records of
// one partition key leave in order across a split or merge), each from the
// delivery's checkpoint.
type source struct {
	name     string
	stream   *shards.Stream
	consumer string
	shards   map[string]*shardState
	// active lists the shards being read, in creation order.
	active []*shardState
}

type shardState struct {
	// src and id never change: the sender reads them while the reader
	// goroutine updates the rest.
	src    *source
	id     string
	info   shards.ShardInfo
	cursor shards.Cursor
	// reading: the cursor is set; done: closed and read to its end.
	reading, done bool
}

// consumerPrefix starts the name of every delivery's shards consumer.
const consumerPrefix = "tidegate-delivery-"

// ConsumerName is the shards consumer a delivery reads as; it shows in
// ListStreamConsumers, and a stream keeps records for it
// (shards.StreamConfig.KeepFor) under this name.
func ConsumerName(delivery string) string { return consumerPrefix + delivery }

// DeliveryOf returns the delivery a shards consumer reads for, if it is a
// delivery's.
func DeliveryOf(consumer string) (string, bool) { return strings.CutPrefix(consumer, consumerPrefix) }

// openSource prepares a stream for reading. On a delivery's first start
// (its consumer does not exist yet) the start position is written as
// checkpoints, so that afterwards every shard — including children born
// later — simply resumes from its checkpoint or its beginning.
func openSource(st *shards.Store, spec *Spec, name string) (*source, error) {
	s, err := st.Stream(name)
	if err != nil {
		return nil, fmt.Errorf("uplink: delivery %q: source stream %q: %w", spec.Name, name, err)
	}
	src := &source{name: name, stream: s, consumer: ConsumerName(spec.Name), shards: map[string]*shardState{}}
	cons, err := s.Consumers()
	if err != nil {
		return nil, err
	}
	known := false
	for _, c := range cons {
		known = known || c.Name == src.consumer
	}
	if !known {
		// Checkpoints belong to a registered consumer, so register first;
		// a stop between the two makes this start read from the trim
		// horizon, which loses nothing.
		if _, err := s.RegisterConsumer(src.consumer); err != nil && !errors.Is(err, shards.ErrExists) {
			return nil, err
		}
		if err := src.markStart(spec); err != nil {
			return nil, err
		}
	}
	src.refresh()
	return src, nil
}

// markStart checkpoints each open shard just before the start position.
func (src *source) markStart(spec *Spec) error {
	var typ shards.IteratorType
	switch spec.Start {
	case StartLatest:
		typ = shards.Latest
	case StartAtTimestamp:
		typ = shards.AtTimestamp
	default:
		return nil
	}
	for _, sh := range src.stream.Shards() {
		if !sh.Open() {
			continue
		}
		c, err := src.stream.Iterator(sh.ShardID, typ, "", spec.StartTime)
		if err != nil {
			return err
		}
		if c.Pos == 0 {
			continue
		}
		if err := src.stream.Checkpoint(src.consumer, sh.ShardID, c.PrecedingSequenceNumber()); err != nil {
			return err
		}
	}
	return nil
}

// refresh learns new shards (a reshard) and starts reading every shard whose
// parents are done. A parent that no longer exists counts as done.
func (src *source) refresh() {
	all := src.stream.Shards() // once: a reshard may add shards meanwhile
	for _, info := range all {
		if st, ok := src.shards[info.ShardID]; ok {
			st.info = info
			continue
		}
		src.shards[info.ShardID] = &shardState{src: src, id: info.ShardID, info: info}
	}
	for _, info := range all {
		st := src.shards[info.ShardID]
		if st.reading || st.done || !src.parentsDone(info) {
			continue
		}
		c, err := src.stream.Resume(src.consumer, info.ShardID, shards.TrimHorizon)
		if err != nil {
			continue // the shard went away (retention); it is retried next refresh
		}
		st.cursor, st.reading = c, true
		src.active = append(src.active, st)
	}
}

func (src *source) parentsDone(info shards.ShardInfo) bool {
	for _, p := range []string{info.ParentShardID, info.AdjacentParentShardID} {
		if p == "" {
			continue
		}
		if st, ok := src.shards[p]; ok && !st.done {
			return false
		}
	}
	return true
}

// finish marks a shard read to its end and drops it from the active list.
func (src *source) finish(st *shardState) {
	st.done, st.reading = true, false
	for i, a := range src.active {
		if a == st {
			src.active = append(src.active[:i], src.active[i+1:]...)
			break
		}
	}
	src.refresh()
}
