package uplink

import "time"

// State is what a delivery is doing.
type State string

const (
	// StateDelivering: sending, or caught up and waiting for records.
	StateDelivering State = "delivering"
	// StateBackingOff: the last attempt failed (or the destination is out
	// of reach); the batch is retried after a backoff.
	StateBackingOff State = "backing_off"
	// StateFailing: the destination keeps refusing the batch being sent;
	// its records go to the dead-letter stream when the retry duration
	// runs out, and the delivery is delivering again.
	StateFailing State = "failing"
	// StatePaused: paused by an operator; the checkpoint stays.
	StatePaused State = "paused"
	// StateStopped: the delivery stopped on an error that can heal (a
	// source stream that does not exist yet) and starts again by itself;
	// LastError says why.
	StateStopped State = "stopped"
	// StateFailed: the delivery could not be built (its destination or
	// transform refused to start); LastError says why. It is reported,
	// not run, until a reload changes it or it is deleted; the other
	// deliveries run meanwhile.
	StateFailed State = "failed"
)

// Status is a delivery's state and counters, as the REST API, the CLI,
// metrics and status events report them. The counters, the last error and
// the last delivery are kept in DATA_DIR/uplink/NAME.status and survive a
// restart, a reload and a stop (a kill -9 may lose the last second's);
// the positions are the delivery's checkpoints.
type Status struct {
	Name        string   `json:"name"`
	State       State    `json:"state"`
	Destination string   `json:"destination"`
	From        []string `json:"from"`
	// Positions holds, per stream and shard, the sequence number of the
	// last record delivered and checkpointed.
	Positions map[string]map[string]string `json:"positions,omitempty"`
	// Backlog is what waits in the source streams behind the checkpoint.
	BacklogRecords     int64 `json:"backlog_records"`
	BacklogBytes       int64 `json:"backlog_bytes"`
	MillisBehindLatest int64 `json:"millis_behind_latest"`

	LastError    string    `json:"last_error,omitempty"`
	LastErrorAt  time.Time `json:"last_error_at,omitzero"`
	LastDelivery time.Time `json:"last_delivery,omitzero"`
	// NextAttempt is when a backing-off delivery tries again.
	NextAttempt time.Time `json:"next_attempt,omitzero"`

	RecordsDelivered int64 `json:"records_delivered"`
	BytesDelivered   int64 `json:"bytes_delivered"`
	Batches          int64 `json:"batches"`
	Retries          int64 `json:"retries"`
	// DeadLettered records went to the dead-letter stream.
	DeadLettered int64 `json:"dead_lettered"`
	// Dropped records were dropped by the transform (result Dropped).
	Dropped int64 `json:"dropped"`
	// UndeliveredDeleted records were deleted from a source stream before
	// the delivery sent them: kept past their retention for it, they were
	// forced out by the stream's byte limit or the disk reserve.
	UndeliveredDeleted int64 `json:"undelivered_deleted"`
	// Redelivered records were sent again after an attempt that may have
	// delivered them: the batch in flight when the gateway stopped (at
	// most one per restart), and records retried after a failure that
	// left their fate unknown (MaybeDelivered: a connection cut after the
	// request went out, a timeout, a 5xx). A destination that does not
	// deduplicate may hold them twice; one that does (a Tidegate hub, S3
	// and file objects, NATS) does not.
	Redelivered int64 `json:"redelivered"`
}
