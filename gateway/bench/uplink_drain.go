package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/endpoint"
	"github.com/tidegate/tidegate/uplink/file"
)

const (
	// drainPoll is how often a drain asks the delivery's status.
	drainPoll = 50 * time.Millisecond
	// rssPoll is how often RSS is sampled while a drain runs: often enough
	// to catch a buffer that lives for one batch.
	rssPoll = 10 * time.Millisecond
	// drainStall fails a drain that checkpointed nothing for this long.
	drainStall = time.Minute
)

// backlog is the filled stream every drain starts from.
type backlog struct {
	store  *shards.Store
	stream *shards.Stream
	// tips holds each shard's last sequence number.
	tips           map[string]string
	records, bytes int64
}

// drainResult is one delivery draining the backlog.
type drainResult struct {
	elapsed   time.Duration
	status    uplink.Status
	rssGrowth int64 // bytes; 0 when rssErr is set
	rssErr    error
}

func drainToFile(ctx context.Context, b backlog, tmp string, o UplinkOptions, res *UplinkResult) error {
	out := filepath.Join(tmp, "file-out")
	defer os.RemoveAll(out) // as large as the backlog, and the disk baseline runs next
	cfg := file.Config{Dir: out, Compression: "none"}
	sink, err := file.New(cfg)
	if err != nil {
		return fmt.Errorf("bench: uplink: file: %w", err)
	}
	d, err := runDelivery(ctx, b, tmp, o, sink, uplink.Spec{
		Name: "bench-file", Compression: "none", Destination: &cfg, DestinationType: "file",
	})
	if err != nil {
		return fmt.Errorf("bench: uplink: file: %w", err)
	}
	res.FileRecordsPerSec = float64(b.records) / d.elapsed.Seconds()
	res.FileMBPerSec = mbPerSec(b.bytes, d.elapsed)
	res.FileWrittenMBPerSec = mbPerSec(d.status.BytesDelivered, d.elapsed)
	res.FileDurationSec = d.elapsed.Seconds()
	res.FileBytesWritten = d.status.BytesDelivered
	res.FileObjects = d.status.Batches
	res.FilePeakRSSGrowthMB = float64(d.rssGrowth) / bytesPerMB
	noteRSS(res, d.rssErr)
	return nil
}

func drainToHTTP(ctx context.Context, b backlog, tmp string, o UplinkOptions, res *UplinkResult) error {
	rc, err := startReceiver()
	if err != nil {
		return fmt.Errorf("bench: uplink: http: %w", err)
	}
	defer rc.close()
	cfg := endpoint.Config{URL: rc.url, Compression: endpoint.CompressionGzip, Logger: slog.New(slog.DiscardHandler)}
	sink, err := endpoint.New(cfg)
	if err != nil {
		return fmt.Errorf("bench: uplink: http: %w", err)
	}
	d, err := runDelivery(ctx, b, tmp, o, sink, uplink.Spec{
		Name: "bench-http", Compression: endpoint.CompressionGzip, Destination: &cfg, DestinationType: "http",
	})
	if err != nil {
		return fmt.Errorf("bench: uplink: http: %w", err)
	}
	got := rc.counts()
	if got.records < b.records {
		return fmt.Errorf("bench: uplink: http: the receiver decoded %d records of %d (%d requests refused)", got.records, b.records, got.refused)
	}
	res.HTTPRecordsPerSec = float64(b.records) / d.elapsed.Seconds()
	res.HTTPMBPerSec = mbPerSec(b.bytes, d.elapsed)
	res.HTTPDurationSec = d.elapsed.Seconds()
	res.HTTPRecordsReceived, res.HTTPRequests = got.records, got.requests
	res.HTTPBytesDecoded, res.HTTPWireBytes = got.bytes, got.wire
	res.HTTPPeakRSSGrowthMB = float64(d.rssGrowth) / bytesPerMB
	noteRSS(res, d.rssErr)
	return nil
}

func noteRSS(res *UplinkResult, err error) {
	if err != nil {
		res.RSSSkipped = err.Error()
	}
}

// runDelivery runs one delivery of the whole backlog to sink, in a manager
// of its own, from its creation until its checkpoints reach every shard's
// last record, sampling RSS all the while; then it checks the delivery's
// status: no backlog, every record delivered, none dead-lettered.
func runDelivery(ctx context.Context, b backlog, tmp string, o UplinkOptions, sink uplink.Sink, spec uplink.Spec) (drainResult, error) {
	spec.From = []string{uplinkStream}
	spec.Start = uplink.StartTrimHorizon
	spec.BufferSize, spec.BufferInterval = o.BufferSize, uplinkBufferInterval
	spec.Format = uplinkFormat
	m := &uplink.Manager{
		Store: b.store, Dir: filepath.Join(tmp, "uplink-"+spec.Name),
		NewSink:      func(context.Context, uplink.Spec) (uplink.Sink, error) { return sink, nil },
		Logger:       slog.New(slog.DiscardHandler),
		StatusStream: "-",
	}
	if err := m.Initialize(); err != nil {
		sink.Close()
		return drainResult{}, err
	}
	defer m.Close()
	before, err := b.stream.Consumers()
	if err != nil {
		return drainResult{}, err
	}

	rss := startRSSSampler()
	start := time.Now()
	if err := m.Create(ctx, spec); err != nil {
		rss.stop()
		return drainResult{}, err
	}
	err = waitCheckpoints(ctx, m, b, spec.Name, before)
	d := drainResult{elapsed: time.Since(start)}
	d.rssGrowth, d.rssErr = rss.stop()
	if err != nil {
		return d, err
	}
	if d.status, err = m.Status(spec.Name); err != nil {
		return d, err
	}
	if st := d.status; st.BacklogRecords != 0 || st.RecordsDelivered != b.records || st.DeadLettered != 0 {
		return d, fmt.Errorf("drained, yet %d records delivered of %d, %d behind, %d dead-lettered: %s",
			st.RecordsDelivered, b.records, st.BacklogRecords, st.DeadLettered, st.LastError)
	}
	return d, nil
}

// waitCheckpoints polls the checkpoints of the delivery's consumer (the one
// not in before) until every shard's is its last record's. It polls
// checkpoints rather than Status because Status counts the backlog by
// checksumming every chunk of it: on a backlog of a million records,
// polling it every 50 ms took about a fifth of a core from the drain.
func waitCheckpoints(ctx context.Context, m *uplink.Manager, b backlog, name string, before []shards.Consumer) error {
	tick := time.NewTicker(drainPoll)
	defer tick.Stop()
	consumer, progress := "", ""
	lastChange := time.Now()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		if consumer == "" {
			consumer = newConsumer(b.stream, before)
			continue
		}
		cps, err := b.stream.Checkpoints(consumer)
		if err != nil {
			return err
		}
		done, now := true, ""
		for shard, tip := range b.tips {
			done = done && cps[shard] == tip
			now += cps[shard]
		}
		switch {
		case done:
			return nil
		case now != progress:
			progress, lastChange = now, time.Now()
		case time.Since(lastChange) > drainStall:
			st, _ := m.Status(name)
			return fmt.Errorf("nothing delivered for %s (%d of %d records, state %s): %s",
				drainStall, st.RecordsDelivered, b.records, st.State, st.LastError)
		}
	}
}

// newConsumer returns the name of a consumer of s not in before, or "".
func newConsumer(s *shards.Stream, before []shards.Consumer) string {
	now, err := s.Consumers()
	if err != nil {
		return ""
	}
	for _, c := range now {
		if !slices.ContainsFunc(before, func(b shards.Consumer) bool { return b.Name == c.Name }) {
			return c.Name
		}
	}
	return ""
}

// rssSampler follows the resident set while a drain runs.
type rssSampler struct {
	base, peak int64
	err        error
	quit       chan struct{}
	done       sync.WaitGroup
}

// startRSSSampler returns garbage and freed pages to the system first, so
// the baseline is what the process holds and the growth is what the drain
// needed, not what an earlier phase left for the allocator to reuse.
func startRSSSampler() *rssSampler {
	runtime.GC()
	debug.FreeOSMemory()
	s := &rssSampler{quit: make(chan struct{})}
	if s.base, s.err = CurrentRSS(); s.err != nil {
		return s
	}
	s.peak = s.base
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		t := time.NewTicker(rssPoll)
		defer t.Stop()
		for {
			if n, err := CurrentRSS(); err == nil {
				s.peak = max(s.peak, n)
			}
			select {
			case <-s.quit:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// stop ends the sampling and returns the peak's growth over the baseline.
func (s *rssSampler) stop() (int64, error) {
	if s.err != nil {
		return 0, s.err
	}
	close(s.quit)
	s.done.Wait()
	return s.peak - s.base, nil
}
