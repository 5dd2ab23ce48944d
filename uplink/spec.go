package uplink

import (
	"fmt"
	"time"
)

// Formats of a record on its way out.
const (
	// FormatRaw sends each record's data as is.
	FormatRaw = "raw"
	// FormatJSON sends each record as one JSON line with its stream,
	// partition key, sequence number and arrival time, the data inline
	// when it is JSON and base64 otherwise.
	FormatJSON = "json"
)

// Start positions of a delivery that has no checkpoint yet.
const (
	StartTrimHorizon = "trim_horizon"
	StartLatest      = "latest"
	StartAtTimestamp = "at_timestamp"
)

// Spec is a delivery's definition: where from, how buffered, where to.
type Spec struct {
	Name string
	// From lists the source streams.
	From []string
	// Start is where a delivery without a checkpoint begins:
	// StartTrimHorizon (default), StartLatest or StartAtTimestamp with
	// StartTime.
	Start     string
	StartTime time.Time
	// BufferSize and BufferInterval are the Firehose buffering hints:
	// a batch is sent when it holds BufferSize bytes or its first record
	// has waited BufferInterval, whichever comes first.
	BufferSize     int64
	BufferInterval time.Duration
	// Format is FormatRaw (default) or FormatJSON.
	Format string
	// Compression names the compression the sink applies ("" or "none",
	// gzip, zstd, snappy); the sink's own configuration carries it, this
	// is for status and validation.
	Compression string
	// Transform is the transform's configuration (nil: none), of the
	// registered transform type TransformType.
	Transform     any
	TransformType string
	// Destination is the sink's configuration, of the registered
	// destination type DestinationType (uplink/file.Config for "file", …).
	Destination any
	// DestinationType names the destination ("file", "s3", "http", …).
	DestinationType string
	// Priority orders deliveries competing for the uplink: when more are
	// ready to send than may send at once, the highest goes first.
	Priority int
	// Bandwidth caps the bytes per second sent (0: no cap).
	Bandwidth int64
	// RetryDuration is how long records the destination keeps refusing
	// are retried before they go to the dead-letter stream (default
	// 24 h). An unreachable destination does not count against it.
	RetryDuration time.Duration
	// DeadLetterStream receives failed records in the Firehose error
	// record shape (default "deadletter").
	DeadLetterStream string
	// Paused deliveries keep their checkpoint and send nothing.
	Paused bool
}

// Limits and defaults of a Spec, as Firehose has them where it has them.
const (
	MinBufferSize         = 1 << 20
	MaxBufferSize         = 128 << 20
	MaxBufferInterval     = 900 * time.Second
	DefaultBufferSize     = 5 << 20
	DefaultBufferInterval = 60 * time.Second
	DefaultRetryDuration  = 24 * time.Hour
	DefaultDeadLetter     = "deadletter"
)

// WithDefaults returns the spec with zero fields set to their defaults.
func (s Spec) WithDefaults() Spec {
	if s.Start == "" {
		s.Start = StartTrimHorizon
	}
	if s.BufferSize == 0 {
		s.BufferSize = DefaultBufferSize
	}
	if s.Format == "" {
		s.Format = FormatRaw
	}
	if s.RetryDuration == 0 {
		s.RetryDuration = DefaultRetryDuration
	}
	if s.DeadLetterStream == "" {
		s.DeadLetterStream = DefaultDeadLetter
	}
	return s
}

// Validate checks the parts of a spec that uplink owns; the destination's
// and transform's configurations are checked by their packages.
func (s Spec) Validate() error {
	bad := func(key, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrConfig, key, fmt.Sprintf(format, args...))
	}
	switch {
	case !validName(s.Name):
		return bad("name", "%q must be 1-64 characters of a-z, A-Z, 0-9, _ . -", s.Name)
	case len(s.From) == 0:
		return bad("from", "needs at least one stream")
	case s.BufferSize < MinBufferSize || s.BufferSize > MaxBufferSize:
		return bad("buffer.size", "%d bytes is outside 1 MiB-128 MiB", s.BufferSize)
	case s.BufferInterval < 0 || s.BufferInterval > MaxBufferInterval:
		return bad("buffer.interval", "%s is outside 0-900s", s.BufferInterval)
	case s.Format != FormatRaw && s.Format != FormatJSON:
		return bad("format", "%q is not raw or json", s.Format)
	case s.Start != StartTrimHorizon && s.Start != StartLatest && s.Start != StartAtTimestamp:
		return bad("start", "%q is not trim_horizon, latest or at_timestamp", s.Start)
	case s.Start == StartAtTimestamp && s.StartTime.IsZero():
		return bad("start_time", "at_timestamp needs a start_time")
	case s.Bandwidth < 0:
		return bad("bandwidth", "must not be negative")
	case s.RetryDuration < 0 || s.RetryDuration > 7*24*time.Hour:
		return bad("retry.duration", "%s is outside 0-168h", s.RetryDuration)
	case s.Destination == nil:
		return bad("to", "needs a destination")
	}
	for i, f := range s.From {
		if !validName(f) {
			return bad(fmt.Sprintf("from[%d]", i), "%q is not a stream name", f)
		}
	}
	return nil
}

// CheckEnvironment runs the environment checks of the spec's destination
// and transform (EnvironmentChecker), after their Validate: what building
// the delivery on this machine would refuse. part is the key of the one at
// fault, "to" or "transform".
func (s Spec) CheckEnvironment() (part string, err error) {
	if cfg, ok := s.Destination.(interface{ Validate() error }); ok {
		if err := checkConfig(cfg); err != nil {
			return "to", err
		}
	}
	if cfg, ok := s.Transform.(interface{ Validate() error }); ok {
		if err := checkConfig(cfg); err != nil {
			return "transform", err
		}
	}
	return "", nil
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '.', c == '-':
		default:
			return false
		}
	}
	return true
}
