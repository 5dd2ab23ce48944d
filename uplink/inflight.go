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

// inflight is the batch a delivery is sending, written down before the first
// attempt and removed after its checkpoint. After a kill -9 the delivery
// rebuilds exactly that batch — the same records, the same ID and time — so
// a destination that names objects or requests by batch (file, S3, the HTTP
// endpoint protocol's request id) sees the same batch again, and the
// records re-sent are counted as redelivered.
type inflight struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	// First and Last hold, per stream and shard, the sequence numbers of
	// the batch's first and last records there.
	First map[string]map[string]string `json:"first"`
	Last  map[string]map[string]string `json:"last"`
	// DeadLetters says, per group of the batch's records dead-lettered
	// together (by deadLetterID), how far that got: a replay neither
	// stores the group in the dead-letter stream again nor skips its
	// error output.
	DeadLetters map[string]*deadLetterMark `json:"dead_letters,omitempty"`
}

// deadLetterMark is how far one group's dead-lettering got.
type deadLetterMark struct {
	// Since is when its put to the dead-letter stream began: a replay
	// that finds the mark without Stored looks there, from then on, for
	// the records the put may have stored before the stop.
	Since time.Time `json:"since"`
	// Stored: the records are in the dead-letter stream.
	Stored bool `json:"stored,omitempty"`
	// Written: the destination's error output is written (or was given
	// up, the records being in the dead-letter stream).
	Written bool `json:"written,omitempty"`
}

func inflightPath(dir, delivery string) string {
	return filepath.Join(dir, delivery+".inflight")
}

func saveInflight(dir, delivery string, in *inflight) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	if err := durable.WriteFile(inflightPath(dir, delivery), b, 0o600); err != nil {
		return fmt.Errorf("uplink: delivery %q: in-flight marker: %w", delivery, err)
	}
	return nil
}

// loadInflight returns the marker left by a stop mid-batch, or nil. A
// damaged marker is reported and ignored: it only sharpens duplicate
// accounting, the checkpoints alone keep every record.
func loadInflight(dir, delivery string) (*inflight, error) {
	b, err := os.ReadFile(inflightPath(dir, delivery))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var in inflight
	if err := json.Unmarshal(b, &in); err != nil || in.ID == "" {
		return nil, fmt.Errorf("uplink: delivery %q: damaged in-flight marker %s ignored", delivery, inflightPath(dir, delivery))
	}
	return &in, nil
}

// clearInflight removes the marker of a batch that is checkpointed. Not
// synced (one fsync per batch saved): a marker a power cut brings back is
// covered by the checkpoints, and removed at the next start (loop).
func clearInflight(dir, delivery string) {
	os.Remove(inflightPath(dir, delivery))
}
