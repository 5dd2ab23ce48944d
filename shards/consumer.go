package shards

import (
	"fmt"
	"time"
)

// Consumer is a named reader of a stream with a durable checkpoint per
// shard: what deliveries, queries and external clients resume from.
type Consumer struct {
	Name    string
	Created time.Time
}

var consumerNameRE = streamNameRE

// RegisterConsumer creates a named consumer; registering an existing name
// is ErrExists.
func (s *Stream) RegisterConsumer(name string) (Consumer, error) {
	if !consumerNameRE.MatchString(name) {
		return Consumer{}, fmt.Errorf("%w: consumer name %q must be 1-128 characters of a-z, A-Z, 0-9, _ . -", ErrInvalidArgument, name)
	}
	c := consumerMeta{Name: name, Created: s.store.now()}
	created, err := s.store.cat.putConsumer(s.name, c)
	if err != nil {
		return Consumer{}, fmt.Errorf("shards: stream %q: register consumer: %w", s.name, err)
	}
	if !created {
		return Consumer{}, fmt.Errorf("%w: consumer %q of stream %q", ErrExists, name, s.name)
	}
	return Consumer(c), nil
}

// DeregisterConsumer deletes a consumer and its checkpoints.
func (s *Stream) DeregisterConsumer(name string) error {
	found, err := s.store.cat.deleteConsumer(s.name, name)
	if err != nil {
		return fmt.Errorf("shards: stream %q: deregister consumer: %w", s.name, err)
	}
	if !found {
		return fmt.Errorf("%w: consumer %q of stream %q", ErrNotFound, name, s.name)
	}
	return nil
}

// Consumers lists the stream's consumers by name.
func (s *Stream) Consumers() ([]Consumer, error) {
	ms, err := s.store.cat.consumers(s.name)
	if err != nil {
		return nil, fmt.Errorf("shards: stream %q: list consumers: %w", s.name, err)
	}
	out := make([]Consumer, len(ms))
	for i, m := range ms {
		out[i] = Consumer(m)
	}
	return out, nil
}

// Checkpoint durably records that consumer has processed a shard up to and
// including the record with sequence number seq. It returns after fsync;
// concurrent checkpoints share one.
func (s *Stream) Checkpoint(consumer, shardID, seq string) error {
	idx, err := ParseShardID(shardID)
	if err != nil {
		return err
	}
	id, sidx, pos, err := parseSeq(seq)
	if err != nil {
		return err
	}
	if id != s.idOf() || sidx != idx {
		return fmt.Errorf("%w: sequence number %s is not from shard %s of stream %q", ErrInvalidArgument, seq, shardID, s.name)
	}
	if err := s.store.cat.setCheckpoint(s.name, consumer, idx, pos); err != nil {
		return fmt.Errorf("shards: stream %q: checkpoint: %w", s.name, err)
	}
	return nil
}

// Checkpoints returns, per shard id, the last sequence number the consumer
// checkpointed.
func (s *Stream) Checkpoints(consumer string) (map[string]string, error) {
	cps, err := s.store.cat.checkpoints(s.name, consumer)
	if err != nil {
		return nil, fmt.Errorf("shards: stream %q: %w", s.name, err)
	}
	id := s.idOf()
	out := make(map[string]string, len(cps))
	for idx, pos := range cps {
		out[ShardID(idx)] = formatSeq(id, idx, pos)
	}
	return out, nil
}

// Resume returns a cursor just after the consumer's checkpoint in a shard,
// or, without a checkpoint there, a cursor of type from.
func (s *Stream) Resume(consumer, shardID string, from IteratorType) (Cursor, error) {
	cps, err := s.Checkpoints(consumer)
	if err != nil {
		return Cursor{}, err
	}
	if seq, ok := cps[shardID]; ok {
		return s.Iterator(shardID, AfterSequenceNumber, seq, time.Time{})
	}
	return s.Iterator(shardID, from, "", time.Time{})
}

func (s *Stream) idOf() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.meta.ID
}
