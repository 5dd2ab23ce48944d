package uplink

import (
	"fmt"
	"strings"
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
	// ClipLength is how much video a camera delivery's MP4 object holds
	// (default 60 s): it ends at the first fragment boundary past it, at a
	// gap in the recording, at a codec change, at BufferSize, or when no
	// fragment has come for BufferInterval.
	ClipLength time.Duration
}

// CameraSource is how a delivery names a camera as its source:
// from: camera/<name>.
const CameraSource = "camera/"

// Camera returns the camera a delivery reads, when its source is one.
func (s Spec) Camera() (string, bool) {
	if len(s.From) == 1 && strings.HasPrefix(s.From[0], CameraSource) {
		return strings.TrimPrefix(s.From[0], CameraSource), true
	}
	return "", false
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
	DefaultClipLength     = 60 * time.Second
	MaxClipLength         = time.Hour
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
	if _, ok := s.Camera(); ok && s.ClipLength == 0 {
		s.ClipLength = DefaultClipLength
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
	if camera, ok := s.Camera(); ok {
		return s.validateCamera(camera, bad)
	}
	for i, f := range s.From {
		if strings.HasPrefix(f, CameraSource) {
			return bad(fmt.Sprintf("from[%d]", i), "a camera (%s) must be a delivery's only source", f)
		}
		if !validName(f) {
			return bad(fmt.Sprintf("from[%d]", i), "%q is not a stream name", f)
		}
	}
	if s.ClipLength != 0 {
		return bad("clip_length", "is for deliveries from a camera (from: camera/NAME)")
	}
	return nil
}

// validateCamera checks what a delivery from a camera may do: MP4 objects
// of ClipLength to a destination that writes whole objects, with no
// transform and no record format.
func (s Spec) validateCamera(camera string, bad func(key, format string, args ...any) error) error {
	t, known := LookupDestination(s.DestinationType)
	switch {
	case !validCameraName(camera):
		return bad("from", "%q is not a camera name", camera)
	case s.ClipLength < time.Second || s.ClipLength > MaxClipLength:
		return bad("clip_length", "%s is outside 1s-1h", s.ClipLength)
	case s.Transform != nil:
		return bad("transform", "a delivery from a camera sends MP4 clips; it takes no transform")
	case s.Format != FormatRaw:
		return bad("format", "a delivery from a camera sends MP4 clips; it takes no record format")
	case known && !t.Capabilities.Objects:
		return bad("to", "a delivery from a camera sends MP4 clips of up to buffer.size; %s takes records, not objects (use s3, file or http)", s.DestinationType)
	}
	return nil
}

// validCameraName is the camera name alphabet of the video store: 1-128
// of A-Z a-z 0-9 _ . -, not starting with . or -.
func validCameraName(s string) bool {
	if len(s) == 0 || len(s) > 128 || s[0] == '.' || s[0] == '-' {
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
