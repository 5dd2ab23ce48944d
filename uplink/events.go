package uplink

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tidegate/tidegate/shards"
)

// PutEvent writes an event that is not a delivery's status into the status
// stream, unless events are off (StatusStream "-"): event marshals to a
// JSON object with an "event" field saying what it is, key is its
// partition key. The gateway writes the store's wall-clock steps and the
// records deleted before a delivery sent them there.
func (m *Manager) PutEvent(ctx context.Context, key string, event any) error {
	if m.StatusStream == "-" {
		return nil
	}
	b, err := json.Marshal(event)
	if err != nil {
		return fmt.Errorf("uplink: event: %w", err)
	}
	return m.putStatus(ctx, []shards.PutEntry{{PartitionKey: key, Data: b}})
}

// NoteUndeliveredDeleted adds n records to a delivery's count of records
// deleted from its source streams before it sent them (Status
// UndeliveredDeleted), and writes its counters down.
func (m *Manager) NoteUndeliveredDeleted(name string, n int64) error {
	d, err := m.get(name)
	if err != nil {
		return err
	}
	d.count(func(s *Status) { s.UndeliveredDeleted += n })
	d.saveCounters(true)
	return nil
}

// changed tells Changed, if set, that the deliveries changed.
func (m *Manager) changed() {
	if m.Changed != nil {
		m.Changed()
	}
}
