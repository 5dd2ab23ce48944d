package gateway

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/shards"
)

// reconcileStreams creates the streams the configuration declares and
// brings existing ones in line: retention, byte limit, on-full policy,
// record size and shard count. Streams created over the API and absent
// from the file are left alone.
func reconcileStreams(st *shards.Store, specs []config.StreamSpec, log *slog.Logger) error {
	var errs []error
	for _, spec := range specs {
		if err := reconcileStream(st, spec, log); err != nil {
			errs = append(errs, fmt.Errorf("stream %q: %w", spec.Name, err))
		}
	}
	return errors.Join(errs...)
}

func reconcileStream(st *shards.Store, spec config.StreamSpec, log *slog.Logger) error {
	want := spec.ShardsConfig()
	s, err := st.Stream(spec.Name)
	if errors.Is(err, shards.ErrNotFound) {
		if _, err := st.CreateStream(spec.Name, want); err != nil {
			return err
		}
		log.Info("stream created", "stream", spec.Name, "shards", want.Shards, "retention", want.Retention)
		return nil
	}
	if err != nil {
		return err
	}
	have := s.Config()
	if have.Retention != want.Retention || have.MaxBytes != want.MaxBytes || have.OnFull != want.OnFull || have.MaxRecordSize != want.MaxRecordSize {
		err := s.Reconfigure(func(c *shards.StreamConfig) {
			c.Retention, c.MaxBytes, c.OnFull, c.MaxRecordSize = want.Retention, want.MaxBytes, want.OnFull, want.MaxRecordSize
		})
		if err != nil {
			return err
		}
		log.Info("stream reconfigured", "stream", spec.Name, "retention", want.Retention, "max_bytes", want.MaxBytes,
			"on_full", want.OnFull, "max_record_size", want.MaxRecordSize)
	}
	// UpdateShardCount moves by at most a factor of two, as Kinesis does; a
	// farther target takes several steps.
	for cur := have.Shards; cur != want.Shards; cur = s.Config().Shards {
		next := min(max(want.Shards, (cur+1)/2), 2*cur)
		if err := s.UpdateShardCount(next); err != nil {
			return err
		}
		log.Info("stream resharded", "stream", spec.Name, "from", cur, "to", next)
	}
	return nil
}
