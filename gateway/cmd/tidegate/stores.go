package main

import (
	"io"
	"log/slog"
	"path/filepath"

	"github.com/tidegate/tidegate/shards"
)

// openStores opens the gateway's durable state under dataDir; run closes what it returns
// after the listeners have shut down. Damage found in segment files (a power cut on an SD
// card) has been cut off by then and is logged here once more, so it is not missed.
func openStores(dataDir string, logger *slog.Logger) (io.Closer, error) {
	st, err := shards.Open(filepath.Join(dataDir, "shards"), shards.Options{Logger: logger})
	if err != nil {
		return nil, err
	}
	for _, d := range st.Damage() {
		logger.Warn("storage: damaged data was cut off at open", "stream", d.Stream, "segment", d.Segment,
			"shard", d.Shard, "chunks", d.Chunks, "reason", d.Reason)
	}
	logger.Info("storage open", "dir", filepath.Join(dataDir, "shards"), "streams", len(st.Streams()))
	return st, nil
}
