package config

import (
	"log/slog"
	"time"

	"github.com/tidegate/tidegate/devices/mqtt"
	"github.com/tidegate/tidegate/devices/sensors"
	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/video/webrtc"
)

// Config is the whole gateway configuration. Build one with [Default], [Load] or [Parse];
// a Config from Load or Parse has its secrets resolved and has passed [Config.Validate].
type Config struct {
	DataDir string       `yaml:"data_dir"`
	Log     Log          `yaml:"log"`
	Listen  Listen       `yaml:"listen"`
	Auth    Auth         `yaml:"auth"`
	Metrics Metrics      `yaml:"metrics"`
	Kinesis Kinesis      `yaml:"kinesis"`
	Streams []StreamSpec `yaml:"streams"`
	// Storage is the space kept on the data directory's disk.
	Storage Storage `yaml:"storage"`
	// MQTT is the embedded broker, external brokers and subscriptions.
	MQTT mqtt.Config `yaml:"mqtt"`
	// Sensors are periph.io sensors polled into streams.
	Sensors []sensors.Config `yaml:"sensors"`
	// Queries are continuous SQL over the streams (see docs/sql.md).
	Queries []QuerySpec `yaml:"queries"`
	// Deliveries forward streams to destinations (see docs/deliveries.md).
	Deliveries []DeliverySpec `yaml:"deliveries"`
	// Cameras are recorded into the video store (see docs/video.md);
	// RTSP is the listener that publishers push to.
	Cameras []CameraSpec `yaml:"cameras"`
	RTSP    RTSP         `yaml:"rtsp"`
	// WebRTC is where WHIP and WHEP sessions take their media.
	WebRTC WebRTC `yaml:"webrtc"`
	// Firehose is the hub's Firehose API (see docs/firehose-api.md).
	Firehose Firehose `yaml:"firehose"`

	// origins remembers where each value came from (file position or environment
	// variable) so that validation errors can point at it. A pointer, so that printing a
	// Config shows an address rather than a map of positions.
	origins *origins
}

// Log selects the gateway's log/slog handler.
type Log struct {
	Level  LogLevel  `yaml:"level"`
	Format LogFormat `yaml:"format"`
}

// LogLevel is the minimum level logged.
type LogLevel string

const (
	LevelDebug LogLevel = "debug"
	LevelInfo  LogLevel = "info"
	LevelWarn  LogLevel = "warn"
	LevelError LogLevel = "error"
)

// Slog returns the log/slog level; an unknown level (which Validate rejects) is Info.
func (l LogLevel) Slog() slog.Level {
	switch l {
	case LevelDebug:
		return slog.LevelDebug
	case LevelWarn:
		return slog.LevelWarn
	case LevelError:
		return slog.LevelError
	}
	return slog.LevelInfo
}

// LogFormat is how log lines are written.
type LogFormat string

const (
	// FormatAuto writes text when stderr is a terminal and JSON otherwise, so a person at
	// a console reads lines and journald or a log shipper gets fields.
	FormatAuto LogFormat = "auto"
	FormatText LogFormat = "text"
	FormatJSON LogFormat = "json"
)

// Listen holds the network listeners.
type Listen struct {
	// HTTP serves the Kinesis API, REST, metrics and health checks.
	HTTP string `yaml:"http"`
	// TLS, when set, makes HTTP serve HTTPS (with HTTP/2 by ALPN) on the same address.
	TLS *TLS `yaml:"tls"`
}

// TLS names a PEM certificate chain and its private key.
type TLS struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// Kinesis holds what the Kinesis-compatible API reports about itself.
type Kinesis struct {
	// Region appears in stream ARNs and is the region accepted in SigV4 scopes.
	Region string `yaml:"region"`
	// AccountID is the 12-digit account in stream ARNs.
	AccountID string `yaml:"account_id"`
}

// StreamSpec declares a stream the gateway creates at start and keeps in line with the
// file on reload.
type StreamSpec struct {
	Name          string        `yaml:"name"`
	Shards        int           `yaml:"shards"`
	Retention     Duration      `yaml:"retention"`
	MaxBytes      ByteSize      `yaml:"max_bytes"` // 0: no byte limit
	OnFull        shards.OnFull `yaml:"on_full"`
	MaxRecordSize ByteSize      `yaml:"max_record_size"`
	Throttle      Throttle      `yaml:"throttle"`
	// KeepUntilDelivered keeps records the stream's deliveries have not
	// sent past Retention, bounded by MaxBytes and the disk reserve:
	// "all" (the default, and what an empty list means) for every
	// delivery reading the stream, "none", or a list of delivery names.
	KeepUntilDelivered StringList `yaml:"keep_until_delivered"`
}

// The words keep_until_delivered takes besides delivery names.
const (
	KeepAll  = "all"
	KeepNone = "none"
)

// Keeps reports whether the stream keeps undelivered records for the
// delivery named name.
func (s StreamSpec) Keeps(name string) bool {
	if len(s.KeepUntilDelivered) == 0 {
		return true
	}
	for _, k := range s.KeepUntilDelivered {
		if k == KeepAll || k == name {
			return true
		}
	}
	return false
}

// Throttle says whether a stream enforces the per-shard limits of real Kinesis.
type Throttle string

const (
	// ThrottleNone accepts writes as fast as the disk takes them.
	ThrottleNone Throttle = "none"
	// ThrottleAWS enforces Kinesis' per-shard write and read limits, so an application
	// tested against the gateway meets the same ProvisionedThroughputExceeded errors it
	// will meet in AWS.
	ThrottleAWS Throttle = "aws"
)

// Defaults. The listener is loopback so that a gateway started without configuration is
// reachable from nowhere but the board itself.
const (
	DefaultDataDir   = "./data"
	DefaultHTTP      = "127.0.0.1:8080"
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "000000000000"
)

// Default returns the configuration used when no file is given.
func Default() *Config {
	return &Config{
		DataDir: DefaultDataDir,
		Log:     Log{Level: LevelInfo, Format: FormatAuto},
		Listen:  Listen{HTTP: DefaultHTTP},
		Kinesis: Kinesis{Region: DefaultRegion, AccountID: DefaultAccountID},
		MQTT:    mqtt.Config{Listen: mqtt.DefaultListen},
		RTSP:    RTSP{Listen: DefaultRTSP, PublishNewPaths: true},
		WebRTC:  WebRTC{UDP: webrtc.DefaultUDP},
	}
}

// DefaultStream returns the settings a stream takes for the keys it leaves out.
func DefaultStream() StreamSpec {
	return StreamSpec{
		Shards:             1,
		Retention:          Duration(shards.DefaultRetention),
		OnFull:             shards.OverwriteOldest,
		MaxRecordSize:      shards.DefaultMaxRecordSize,
		Throttle:           ThrottleNone,
		KeepUntilDelivered: StringList{KeepAll},
	}
}

// ShardsConfig returns the settings the storage engine creates the stream with.
func (s StreamSpec) ShardsConfig() shards.StreamConfig {
	return shards.StreamConfig{
		Shards:        s.Shards,
		Retention:     time.Duration(s.Retention),
		MaxBytes:      int64(s.MaxBytes),
		OnFull:        s.OnFull,
		MaxRecordSize: int(s.MaxRecordSize),
	}
}

// Stream returns the stream named name, or false.
func (c *Config) Stream(name string) (StreamSpec, bool) {
	for _, s := range c.Streams {
		if s.Name == name {
			return s, true
		}
	}
	return StreamSpec{}, false
}
