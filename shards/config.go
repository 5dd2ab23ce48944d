package shards

import (
	"fmt"
	"math/bits"
	"regexp"
	"time"
)

// OnFull says what a stream does when it reaches MaxBytes.
type OnFull string

const (
	// RejectNew fails new puts with ErrStreamFull until retention frees space.
	RejectNew OnFull = "reject_new"
	// OverwriteOldest deletes the oldest segment files to make room.
	OverwriteOldest OnFull = "overwrite_oldest"
)

// Limits, after the Kinesis Data Streams quotas.
const (
	MinRetention          = time.Minute
	MaxRetention          = 8760 * time.Hour
	DefaultRetention      = 24 * time.Hour
	DefaultMaxRecordSize  = 1 << 20
	MaxMaxRecordSize      = 10 << 20
	MaxRecordsPerPut      = 500
	MaxBytesPerPut        = 5 << 20
	MaxRecordsPerRead     = 10000
	MaxBytesPerRead       = 10 << 20
	MaxPartitionKeyLength = 256
	MaxShards             = 1024
	MinMaxBytes           = 1 << 20
)

// Segment sizing. A segment closes when it holds maxSegmentBytes or spans
// retention/8 of arrival time, whichever comes first, so data held past its
// retention stays below an eighth of it. Each open segment maps its file:
// on 32-bit ARM, where a process has about 3 GB of address space, segments
// are 16 MiB so that dozens of streams still fit; elsewhere 64 MiB.
const (
	maxSegmentBytes = 4 << 20 << (bits.UintSize / 16) // 16 MiB, or 64 MiB on 64-bit
	minSegmentBytes = 256 << 10
	maxSegmentSpan  = time.Hour
	minSegmentSpan  = time.Second
)

// StreamConfig is what a stream is created with. Zero fields take defaults.
type StreamConfig struct {
	Shards        int           `json:"shards"`
	Retention     time.Duration `json:"retention"`
	MaxBytes      int64         `json:"max_bytes,omitempty"` // 0: no byte limit
	OnFull        OnFull        `json:"on_full,omitempty"`
	MaxRecordSize int           `json:"max_record_size,omitempty"`
	// KeepFor names consumers whose unread records outlive Retention:
	// records past their retention that one of them has not checkpointed
	// are kept, and stay readable, until it has; only MaxBytes (with
	// overwrite_oldest) and the disk reserve (Options.SpaceLow) then
	// delete them, and each such loss is counted and reported per consumer
	// (EventUndeliveredDeleted). A name not registered as a consumer keeps
	// nothing. The gateway names its deliveries' consumers here.
	KeepFor []string `json:"keep_for,omitempty"`
}

// MaxKeepFor bounds StreamConfig.KeepFor.
const MaxKeepFor = 100

var streamNameRE = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,128}$`)

func validStreamName(name string) error {
	if !streamNameRE.MatchString(name) || name == "." || name == ".." {
		return fmt.Errorf("%w: stream name %q must be 1-128 characters of a-z, A-Z, 0-9, _ . -", ErrInvalidArgument, name)
	}
	return nil
}

func (c StreamConfig) withDefaults() StreamConfig {
	if c.Shards == 0 {
		c.Shards = 1
	}
	if c.Retention == 0 {
		c.Retention = DefaultRetention
	}
	if c.OnFull == "" {
		c.OnFull = OverwriteOldest
	}
	if c.MaxRecordSize == 0 {
		c.MaxRecordSize = DefaultMaxRecordSize
	}
	return c
}

func (c StreamConfig) validate() error {
	switch {
	case c.Shards < 1 || c.Shards > MaxShards:
		return fmt.Errorf("%w: shard count %d must be 1-%d", ErrInvalidArgument, c.Shards, MaxShards)
	case c.Retention < MinRetention || c.Retention > MaxRetention:
		return fmt.Errorf("%w: retention %s must be %s-%s", ErrInvalidArgument, c.Retention, MinRetention, MaxRetention)
	case c.MaxBytes != 0 && c.MaxBytes < MinMaxBytes:
		return fmt.Errorf("%w: max_bytes %d must be 0 (no limit) or at least %d", ErrInvalidArgument, c.MaxBytes, MinMaxBytes)
	case c.OnFull != RejectNew && c.OnFull != OverwriteOldest:
		return fmt.Errorf("%w: on_full %q must be %q or %q", ErrInvalidArgument, c.OnFull, RejectNew, OverwriteOldest)
	case c.MaxRecordSize < 1024 || c.MaxRecordSize > MaxMaxRecordSize:
		return fmt.Errorf("%w: max record size %d must be 1024-%d bytes", ErrInvalidArgument, c.MaxRecordSize, MaxMaxRecordSize)
	case len(c.KeepFor) > MaxKeepFor:
		return fmt.Errorf("%w: keep_for names %d consumers, at most %d", ErrInvalidArgument, len(c.KeepFor), MaxKeepFor)
	}
	for _, name := range c.KeepFor {
		if !consumerNameRE.MatchString(name) {
			return fmt.Errorf("%w: keep_for: consumer name %q must be 1-128 characters of a-z, A-Z, 0-9, _ . -", ErrInvalidArgument, name)
		}
	}
	return nil
}

// segmentLimits derives segment size and span from the stream's limits
// and the store's bound on a small disk (0: none).
func (c StreamConfig) segmentLimits(capBytes int64) (bytes int64, span time.Duration) {
	bytes = maxSegmentBytes
	if c.MaxBytes > 0 && c.MaxBytes/8 < bytes {
		bytes = max(c.MaxBytes/8, minSegmentBytes)
	}
	if capBytes > 0 {
		bytes = min(bytes, capBytes)
	}
	span = min(max(c.Retention/8, minSegmentSpan), maxSegmentSpan)
	return bytes, span
}
