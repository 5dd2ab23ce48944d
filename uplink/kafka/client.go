package kafka

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/clientauth"
)

// maxProduceRequestTimeout is Kafka's usual request.timeout.ms: how long a
// broker may wait for its replicas before it answers a produce request.
const maxProduceRequestTimeout = 10 * time.Second

// clientOptions turns a validated Config into franz-go options. Acks (all
// in-sync replicas) and idempotence are franz-go's defaults and are left
// alone on purpose: together they give no loss and no producer duplicates.
func clientOptions(cfg Config) ([]kgo.Opt, error) {
	compression, err := codec(cfg.Compression)
	if err != nil {
		return nil, fmt.Errorf("%w: kafka: compression: %w", uplink.ErrConfig, err)
	}
	timeout := cfg.timeout()
	maxBytes := cfg.MaxMessageBytes
	if maxBytes == 0 {
		maxBytes = DefaultMaxMessageBytes
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.DefaultProduceTopic(cfg.Topic),
		kgo.ProducerBatchCompression(compression),
		kgo.ProducerBatchMaxBytes(int32(maxBytes)),
		// No kgo.RecordDeliveryTimeout: franz-go measures it from the
		// record's timestamp, which is the arrival time, possibly hours
		// old after an outage. Send bounds each record with a context
		// instead. The broker gets at most timeout to answer a produce.
		kgo.ProduceRequestTimeout(min(timeout, maxProduceRequestTimeout)),
		kgo.DialTimeout(min(timeout, 10*time.Second)),
		// A missing topic is told apart from a slow metadata update by
		// asking again (UnknownTopicRetries, 4 by default); 1 s between
		// asks instead of 5 lets that finish well within timeout.
		kgo.MetadataMinAge(time.Second),
	}
	if cfg.ClientID != "" {
		opts = append(opts, kgo.ClientID(cfg.ClientID))
	}
	if cfg.SASL != nil {
		password, err := cfg.SASL.password().Resolve("kafka")
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.SASL(mechanism(cfg.SASL.Mechanism, cfg.SASL.Username, password)))
	}
	if cfg.TLS != nil {
		tc, err := clientauth.TLS(*cfg.TLS).Config("kafka")
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	if cfg.Logger != nil {
		opts = append(opts, kgo.WithLogger(slogAdapter{cfg.Logger}))
	}
	return opts, nil
}

func (c Config) timeout() time.Duration {
	if c.Timeout == 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

// codec maps the config's compression name onto franz-go's codec.
func codec(name string) (kgo.CompressionCodec, error) {
	switch strings.ToLower(name) {
	case "", "none":
		return kgo.NoCompression(), nil
	case "gzip":
		return kgo.GzipCompression(), nil
	case "snappy":
		return kgo.SnappyCompression(), nil
	case "lz4":
		return kgo.Lz4Compression(), nil
	case "zstd":
		return kgo.ZstdCompression(), nil
	}
	return kgo.CompressionCodec{}, fmt.Errorf("%q is not none, gzip, snappy, lz4 or zstd", name)
}

// mechanism builds a validated SASL mechanism.
func mechanism(name, user, password string) sasl.Mechanism {
	switch strings.ToLower(name) {
	case MechanismSCRAMSHA256:
		return scram.Auth{User: user, Pass: password}.AsSha256Mechanism()
	case MechanismSCRAMSHA512:
		return scram.Auth{User: user, Pass: password}.AsSha512Mechanism()
	}
	return plain.Auth{User: user, Pass: password}.AsMechanism()
}

// slogAdapter passes franz-go's warnings and errors to the gateway's logger;
// its info and debug chatter stays out.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Level() kgo.LogLevel { return kgo.LogLevelWarn }

func (a slogAdapter) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	lv := slog.LevelWarn
	if level == kgo.LogLevelError {
		lv = slog.LevelError
	}
	a.l.Log(context.Background(), lv, "kafka: "+msg, keyvals...)
}
