package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/tidegate/tidegate/shards"
)

// DeadLetter is the JSON record written for a message that could not be
// stored where it was meant to go.
type DeadLetter struct {
	Source        string    `json:"source"`
	Topic         string    `json:"topic"`
	Error         string    `json:"error"`
	PayloadBase64 []byte    `json:"payload_base64"` // encoding/json writes []byte as base64
	Time          time.Time `json:"time"`
}

// DeadLetter stores payload with the reason it was refused in the
// dead-letter stream and returns once that is durable. The partition key
// is the topic (cut to the 256-character limit), so one topic's failures
// stay in order.
func (s *Writer) DeadLetter(ctx context.Context, source, topic string, payload []byte, reason error) error {
	msg := "unknown"
	if reason != nil {
		msg = reason.Error()
	}
	data, err := json.Marshal(DeadLetter{Source: source, Topic: topic, Error: msg, PayloadBase64: payload, Time: s.now().UTC()})
	if err != nil {
		return fmt.Errorf("ingest: dead letter: %w", err)
	}
	key := partitionKey(topic)
	err = s.Put(ctx, s.dlq, []shards.PutEntry{{PartitionKey: key, Data: data}})
	if errors.Is(err, shards.ErrNotFound) { // deleted while we run
		if err = s.ensureDeadLetter(); err == nil {
			err = s.Put(ctx, s.dlq, []shards.PutEntry{{PartitionKey: key, Data: data}})
		}
	}
	if err != nil {
		return fmt.Errorf("ingest: dead letter to %q: %w", s.dlq, err)
	}
	s.deadLetters.Add(1)
	return nil
}

// partitionKey makes a valid partition key of s: 1-256 characters.
func partitionKey(s string) string {
	if s == "" {
		return "-"
	}
	if utf8.RuneCountInString(s) <= shards.MaxPartitionKeyLength {
		return s
	}
	n := 0
	for i := range s {
		if n == shards.MaxPartitionKeyLength {
			return s[:i]
		}
		n++
	}
	return s
}
