package shards

import (
	"fmt"
	"maps"
	"time"
)

// StreamInfo describes a stream as DescribeStream does.
type StreamInfo struct {
	Name       string
	ID         int64
	Created    time.Time
	Config     StreamConfig
	OpenShards int
	Shards     []ShardInfo
	Tags       map[string]string
	Attributes map[string]string
	Stats      Stats
}

// Describe returns the stream's definition, shards and counters.
func (s *Stream) Describe() StreamInfo {
	shards := s.Shards()
	stats := s.Stats()
	s.mu.RLock()
	defer s.mu.RUnlock()
	info := StreamInfo{
		Name: s.name, ID: s.meta.ID, Created: s.meta.Created, Config: s.meta.Config,
		OpenShards: len(s.open), Shards: shards, Tags: maps.Clone(s.meta.Tags),
		Attributes: maps.Clone(s.meta.Attributes), Stats: stats,
	}
	return info
}

// Config returns the stream's current configuration.
func (s *Stream) Config() StreamConfig {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.meta.Config
}

// Reconfigure changes retention, byte limit, on-full policy and maximum
// record size (the shard count changes through UpdateShardCount). A
// shorter retention or a lower byte limit takes effect at once.
func (s *Stream) Reconfigure(fn func(*StreamConfig)) error {
	return s.do(func() error {
		m := s.meta
		c := m.Config
		fn(&c)
		c.Shards = m.Config.Shards
		if err := c.withDefaults().validate(); err != nil {
			return err
		}
		m.Config = c.withDefaults()
		return s.saveMeta(m, func() { s.maintain() })
	})
}

// SetTags adds or replaces tags; RemoveTags deletes them. Tags are kept for
// the Kinesis API and do not change behaviour.
func (s *Stream) SetTags(tags map[string]string) error {
	return s.do(func() error {
		m := s.meta
		m.Tags = maps.Clone(m.Tags)
		if m.Tags == nil {
			m.Tags = map[string]string{}
		}
		maps.Copy(m.Tags, tags)
		if len(m.Tags) > 50 {
			return fmt.Errorf("%w: a stream can have at most 50 tags", ErrLimitExceeded)
		}
		return s.saveMeta(m, nil)
	})
}

// RemoveTags deletes the named tags; unknown keys are ignored.
func (s *Stream) RemoveTags(keys []string) error {
	return s.do(func() error {
		m := s.meta
		m.Tags = maps.Clone(m.Tags)
		for _, k := range keys {
			delete(m.Tags, k)
		}
		return s.saveMeta(m, nil)
	})
}

// SetAttributes sets the named attributes, durably, and deletes those set to
// "". Attributes are kept for the API layers (a Kinesis stream mode, its
// enhanced monitoring and encryption settings) and do not change behaviour;
// they go with the stream, so a stream deleted and created again starts
// without them.
func (s *Stream) SetAttributes(attrs map[string]string) error {
	return s.do(func() error {
		m := s.meta
		m.Attributes = maps.Clone(m.Attributes)
		if m.Attributes == nil {
			m.Attributes = map[string]string{}
		}
		for k, v := range attrs {
			if v == "" {
				delete(m.Attributes, k)
			} else {
				m.Attributes[k] = v
			}
		}
		return s.saveMeta(m, nil)
	})
}

// saveMeta makes m durable and installs it; then runs after, if any.
func (s *Stream) saveMeta(m streamMeta, after func()) error {
	if err := s.store.cat.putStream(&m); err != nil {
		return err
	}
	s.mu.Lock()
	s.meta = m
	s.mu.Unlock()
	if after != nil {
		after()
	}
	return nil
}
