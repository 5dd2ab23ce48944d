package shards

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The catalog is the store's small metadata database: stream definitions
// and shard maps, consumers, and consumer checkpoints. Every change is one
// fsync'd bbolt transaction; checkpoints from many consumers are coalesced
// with bbolt's Batch.
type catalog struct{ db *bolt.DB }

var (
	bucketStreams     = []byte("streams")
	bucketConsumers   = []byte("consumers")
	bucketCheckpoints = []byte("checkpoints")
	bucketStore       = []byte("store")
	keyLastStreamID   = []byte("last_stream_id")
)

// streamMeta is a stream's durable definition. Positions are stored as
// numbers; hash keys as decimal strings, as Kinesis shows them.
type streamMeta struct {
	Name      string            `json:"name"`
	ID        int64             `json:"id"`
	Created   time.Time         `json:"created"`
	Config    StreamConfig      `json:"config"`
	Shards    []shardMeta       `json:"shards"`
	NextShard int               `json:"next_shard"`
	FloorMs   int64             `json:"floor_ms"`
	Tags      map[string]string `json:"tags,omitempty"`
	// Attributes are settings the engine keeps for the API layers without
	// acting on them (a Kinesis stream mode, its monitoring and encryption
	// settings); see SetAttributes.
	Attributes map[string]string `json:"attributes,omitempty"`
}

type shardMeta struct {
	Index      int    `json:"index"`
	Start      string `json:"start"`
	End        string `json:"end"`
	Parent     int    `json:"parent"`
	Adjacent   int    `json:"adjacent"`
	StartPos   uint64 `json:"start_pos"`
	EndPos     uint64 `json:"end_pos,omitempty"`
	ClosedAtMs int64  `json:"closed_at_ms,omitempty"`
	// Closed is when the shard closed, by both clocks: a closed shard is
	// forgotten once that is longer ago than the retention period (in
	// lived time), unless a consumer the stream keeps records for still
	// needs it. Absent in catalogs of earlier versions until their first
	// open (stampLegacyClosures).
	Closed *stamp `json:"closed,omitempty"`
}

type consumerMeta struct {
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
}

func openCatalog(dir string) (*catalog, error) {
	db, err := bolt.Open(filepath.Join(dir, "catalog.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("shards: %s: %w", dir, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("shards: open catalog: %w", err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketStreams, bucketConsumers, bucketCheckpoints, bucketStore} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("shards: init catalog: %w", err)
	}
	return &catalog{db: db}, nil
}

func (c *catalog) close() error { return c.db.Close() }

func (c *catalog) streams() ([]streamMeta, error) {
	var out []streamMeta
	err := c.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketStreams).ForEach(func(k, v []byte) error {
			var m streamMeta
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("stream %q: %w", k, err)
			}
			out = append(out, m)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("shards: read catalog: %w", err)
	}
	return out, nil
}

func (c *catalog) putStream(m *streamMeta) error {
	v, err := json.Marshal(m)
	if err != nil {
		return err
	}
	err = c.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketStreams).Put([]byte(m.Name), v) })
	if err != nil {
		return fmt.Errorf("shards: stream %q: write catalog: %w", m.Name, err)
	}
	return nil
}

// createStream stores a new stream, first raising m.ID above every id
// issued before, so a stream re-created while the clock stands still or
// went back (a Pi without a real-time clock) never takes an old stream's id,
// whose sequence numbers would then be accepted. during, a test seam, runs
// inside the transaction when not nil.
func (c *catalog) createStream(m *streamMeta, during func(name string)) error {
	err := c.db.Update(func(tx *bolt.Tx) error {
		if during != nil {
			during(m.Name)
		}
		b := tx.Bucket(bucketStore)
		if v := b.Get(keyLastStreamID); len(v) == 8 {
			m.ID = max(m.ID, int64(binary.BigEndian.Uint64(v))+1)
		}
		if err := b.Put(keyLastStreamID, binary.BigEndian.AppendUint64(nil, uint64(m.ID))); err != nil {
			return err
		}
		v, err := json.Marshal(m)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketStreams).Put([]byte(m.Name), v)
	})
	if err != nil {
		return fmt.Errorf("shards: stream %q: write catalog: %w", m.Name, err)
	}
	return nil
}

// deleteStream removes a stream with its consumers and checkpoints.
func (c *catalog) deleteStream(name string) error {
	prefix := append([]byte(name), 0)
	err := c.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketStreams).Delete([]byte(name)); err != nil {
			return err
		}
		for _, b := range [][]byte{bucketConsumers, bucketCheckpoints} {
			if err := deletePrefix(tx.Bucket(b), prefix); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("shards: stream %q: delete from catalog: %w", name, err)
	}
	return nil
}

func deletePrefix(b *bolt.Bucket, prefix []byte) error {
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

func hasPrefix(b, prefix []byte) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == string(prefix)
}

func consumerKey(stream, consumer string) []byte {
	return append(append(append([]byte(stream), 0), consumer...), 0)
}

func (c *catalog) putConsumer(stream string, m consumerMeta) (created bool, err error) {
	v, err := json.Marshal(m)
	if err != nil {
		return false, err
	}
	err = c.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketConsumers)
		k := consumerKey(stream, m.Name)
		if b.Get(k) != nil {
			return nil
		}
		created = true
		return b.Put(k, v)
	})
	return created, err
}

func (c *catalog) consumers(stream string) ([]consumerMeta, error) {
	var out []consumerMeta
	prefix := append([]byte(stream), 0)
	err := c.db.View(func(tx *bolt.Tx) error {
		cur := tx.Bucket(bucketConsumers).Cursor()
		for k, v := cur.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = cur.Next() {
			var m consumerMeta
			if err := json.Unmarshal(v, &m); err != nil {
				return err
			}
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

func (c *catalog) deleteConsumer(stream, name string) (found bool, err error) {
	k := consumerKey(stream, name)
	err = c.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketConsumers)
		if b.Get(k) == nil {
			return nil
		}
		found = true
		if err := b.Delete(k); err != nil {
			return err
		}
		return deletePrefix(tx.Bucket(bucketCheckpoints), k)
	})
	return found, err
}

// setCheckpoint records pos for one shard of a consumer. Concurrent calls
// share one fsync (bolt.DB.Batch).
func (c *catalog) setCheckpoint(stream, consumer string, shard int, pos uint64) error {
	k := append(consumerKey(stream, consumer), ShardID(shard)...)
	v := make([]byte, 8)
	binary.BigEndian.PutUint64(v, pos)
	return c.db.Batch(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketConsumers).Get(consumerKey(stream, consumer)) == nil {
			return fmt.Errorf("%w: consumer %q of stream %q", ErrNotFound, consumer, stream)
		}
		return tx.Bucket(bucketCheckpoints).Put(k, v)
	})
}

// checkpoints returns shard index → position for one consumer.
func (c *catalog) checkpoints(stream, consumer string) (map[int]uint64, error) {
	out := map[int]uint64{}
	prefix := consumerKey(stream, consumer)
	err := c.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketConsumers).Get(prefix) == nil {
			return fmt.Errorf("%w: consumer %q of stream %q", ErrNotFound, consumer, stream)
		}
		cur := tx.Bucket(bucketCheckpoints).Cursor()
		for k, v := cur.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = cur.Next() {
			idx, err := ParseShardID(string(k[len(prefix):]))
			if err != nil || len(v) != 8 {
				return fmt.Errorf("%w: checkpoint %q", ErrCorrupt, k)
			}
			out[idx] = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return out, err
}
