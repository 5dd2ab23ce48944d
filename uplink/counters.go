package uplink

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tidegate/tidegate/internal/durable"
)

// counters are what a Status accumulates: kept in DATA_DIR/uplink/NAME.status
// so that a delivery's figures survive a restart and a reload (the
// positions need no file: they are the consumer's checkpoints).
type counters struct {
	RecordsDelivered int64 `json:"records_delivered"`
	BytesDelivered   int64 `json:"bytes_delivered"`
	Batches          int64 `json:"batches"`
	Retries          int64 `json:"retries"`
	DeadLettered     int64 `json:"dead_lettered"`
	Dropped          int64 `json:"dropped"`
	Redelivered      int64 `json:"redelivered"`
	// UndeliveredDeleted: see Status.
	UndeliveredDeleted int64     `json:"undelivered_deleted,omitempty"`
	LastError          string    `json:"last_error,omitempty"`
	LastErrorAt        time.Time `json:"last_error_at,omitzero"`
	LastDelivery       time.Time `json:"last_delivery,omitzero"`
}

// countersEvery bounds how often the counters are written while batches
// go out: at most once a second, so a kill -9 loses a second's counts at
// most and a delivery sending many small batches does not add an fsync to
// each.
const countersEvery = time.Second

func countersPath(dir, delivery string) string {
	return filepath.Join(dir, delivery+".status")
}

func (c *counters) from(st *Status) {
	*c = counters{
		RecordsDelivered: st.RecordsDelivered, BytesDelivered: st.BytesDelivered, Batches: st.Batches,
		Retries: st.Retries, DeadLettered: st.DeadLettered, Dropped: st.Dropped, Redelivered: st.Redelivered,
		UndeliveredDeleted: st.UndeliveredDeleted, LastError: st.LastError, LastErrorAt: st.LastErrorAt, LastDelivery: st.LastDelivery,
	}
}

func (c *counters) into(st *Status) {
	st.RecordsDelivered, st.BytesDelivered, st.Batches = c.RecordsDelivered, c.BytesDelivered, c.Batches
	st.Retries, st.DeadLettered, st.Dropped, st.Redelivered = c.Retries, c.DeadLettered, c.Dropped, c.Redelivered
	st.UndeliveredDeleted = c.UndeliveredDeleted
	st.LastError, st.LastErrorAt, st.LastDelivery = c.LastError, c.LastErrorAt, c.LastDelivery
}

// loadCounters reads a delivery's counters; none (a new delivery) is no
// error, a damaged file is (the figures then start from zero).
func loadCounters(dir, delivery string) (*counters, error) {
	b, err := os.ReadFile(countersPath(dir, delivery))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var c counters
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("uplink: delivery %q: damaged status file %s: %w", delivery, countersPath(dir, delivery), err)
	}
	return &c, nil
}

// saveCounters writes the delivery's counters down now, or only when the
// last write is countersEvery old unless force.
func (d *delivery) saveCounters(force bool) {
	d.mu.Lock()
	if !force && time.Since(d.countersSaved) < countersEvery {
		d.mu.Unlock()
		return
	}
	d.countersSaved = time.Now()
	var c counters
	c.from(&d.status)
	d.mu.Unlock()
	b, _ := json.Marshal(c) // plain fields always marshal
	if err := durable.WriteFile(countersPath(d.m.Dir, d.spec.Name), b, 0o600); err != nil {
		d.log.Warn("delivery status not written; its counters restart from older figures", "err", err)
	}
}
