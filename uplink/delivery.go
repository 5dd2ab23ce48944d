package uplink

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/tidegate/tidegate/shards"
)

// delivery runs one Spec: a reader goroutine that builds batches and a
// sender that delivers them, retries, dead-letters and checkpoints.
type delivery struct {
	m         *Manager
	spec      Spec
	sink      Sink
	transform Transformer
	limiter   *rate.Limiter
	log       *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	status  Status
	srcs    []*source // set once the delivery has started; read by Status
	resumed chan struct{}
	// countersSaved is when the counters were last written down.
	countersSaved time.Time
}

func newDelivery(m *Manager, spec Spec, sink Sink, tr Transformer) *delivery {
	d := &delivery{
		m: m, spec: spec, sink: sink, transform: tr,
		log:     m.Logger.With("delivery", spec.Name),
		done:    make(chan struct{}),
		resumed: make(chan struct{}),
		status: Status{
			Name: spec.Name, State: StateDelivering, Destination: spec.DestinationType,
			From: append([]string(nil), spec.From...), Positions: map[string]map[string]string{},
		},
	}
	if spec.Paused {
		d.status.State = StatePaused
	}
	if c, err := loadCounters(m.Dir, spec.Name); err != nil {
		d.log.Warn("delivery status", "err", err)
	} else if c != nil {
		c.into(&d.status)
	}
	if spec.Bandwidth > 0 {
		d.limiter = rate.NewLimiter(rate.Limit(spec.Bandwidth), int(max(spec.Bandwidth, 64<<10)))
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	return d
}

// run restarts the delivery's loops after errors that can heal: a source
// stream that does not exist yet, a store being reopened.
func (d *delivery) run() {
	defer close(d.done)
	for n := 1; ; n++ {
		err := d.loop()
		if d.ctx.Err() != nil {
			return
		}
		d.log.Warn("delivery stopped; starting again", "err", err)
		d.setState(StateStopped, err)
		if sleep(d.ctx, min(backoff(n), 30*time.Second)) != nil {
			return
		}
	}
}

func (d *delivery) loop() error {
	srcs := make([]*source, 0, len(d.spec.From))
	for _, name := range d.spec.From {
		src, err := openSource(d.m.Store, &d.spec, name)
		if err != nil {
			return err
		}
		srcs = append(srcs, src)
	}
	d.mu.Lock()
	d.srcs = srcs
	if d.status.State == StateStopped {
		d.status.State = StateDelivering
	}
	// The positions are the checkpoints, whoever wrote them.
	for _, src := range srcs {
		if cps, err := src.stream.Checkpoints(src.consumer); err == nil && len(cps) > 0 {
			d.status.Positions[src.name] = cps
		}
	}
	d.mu.Unlock()
	replay, err := loadInflight(d.m.Dir, d.spec.Name)
	if err != nil {
		d.log.Warn("in-flight marker", "err", err)
	}
	if replay != nil && !replay.pending(srcs) {
		clearInflight(d.m.Dir, d.spec.Name)
		replay = nil
	}
	ctx, cancel := context.WithCancel(d.ctx)
	defer cancel()
	// Unbuffered: the reader builds the next batch while one is sent, and
	// holds it until the sender takes it; two batches in memory at most.
	batches := make(chan *pendingBatch)
	errc := make(chan error, 1)
	go func() {
		errc <- d.readLoop(ctx, srcs, replay, batches)
		cancel()
	}()
	serr := d.sendLoop(ctx, batches, replay)
	cancel()
	rerr := <-errc
	if rerr != nil && !errors.Is(rerr, context.Canceled) {
		return rerr
	}
	return serr
}

// pending reports whether a marker names records the checkpoints do not
// cover yet (false when the stop came between the checkpoint and the
// marker's removal).
func (in *inflight) pending(srcs []*source) bool {
	for _, src := range srcs {
		cps, err := src.stream.Checkpoints(src.consumer)
		if err != nil {
			return true
		}
		for shard, last := range in.Last[src.name] {
			if cps[shard] < last {
				return true
			}
		}
	}
	return false
}

func (d *delivery) stop() {
	d.cancel()
	<-d.done
}

// setState moves the delivery to state s (a paused one stays paused) and
// records err, when there is one, as its last error.
func (d *delivery) setState(s State, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil {
		d.status.LastError, d.status.LastErrorAt = err.Error(), time.Now()
	}
	if d.status.State == StatePaused && s != StatePaused {
		return
	}
	changed := d.status.State != s
	d.status.State = s
	if changed {
		d.m.stateChanged()
	}
}

// noteError records err as the delivery's last error, whatever its state.
func (d *delivery) noteError(err error) {
	d.mu.Lock()
	d.status.LastError, d.status.LastErrorAt = err.Error(), time.Now()
	d.mu.Unlock()
}

func (d *delivery) count(fn func(*Status)) {
	d.mu.Lock()
	fn(&d.status)
	d.mu.Unlock()
}

// pause and resume: a paused delivery finishes the attempt in progress and
// then waits, its checkpoint kept.
func (d *delivery) pause() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.spec.Paused = true
	d.status.State = StatePaused
}

func (d *delivery) resume() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.spec.Paused {
		return
	}
	d.spec.Paused = false
	d.status.State = StateDelivering
	if d.sink == nil {
		d.status.State = StateFailed
	}
	close(d.resumed)
	d.resumed = make(chan struct{})
}

// waitUnpaused returns at once unless the delivery is paused.
func (d *delivery) waitUnpaused(ctx context.Context) error {
	for {
		d.mu.Lock()
		paused, ch := d.spec.Paused, d.resumed
		d.mu.Unlock()
		if !paused {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// snapshot returns the status with the backlog measured now: per shard, the
// records behind the checkpoint and the age of the oldest of them.
func (d *delivery) snapshot() Status {
	d.mu.Lock()
	st := d.status
	st.Positions = make(map[string]map[string]string, len(d.status.Positions))
	for k, v := range d.status.Positions {
		m := make(map[string]string, len(v))
		for s, q := range v {
			m[s] = q
		}
		st.Positions[k] = m
	}
	srcs := d.srcs
	d.mu.Unlock()
	now := time.Now()
	for _, src := range srcs {
		for _, sh := range src.stream.Shards() {
			c, err := src.stream.Resume(src.consumer, sh.ShardID, shards.TrimHorizon)
			if err != nil {
				continue
			}
			recs, bytes, oldest, err := src.stream.Backlog(c)
			if err != nil || recs == 0 {
				continue
			}
			st.BacklogRecords += recs
			st.BacklogBytes += bytes
			st.MillisBehindLatest = max(st.MillisBehindLatest, now.Sub(oldest).Milliseconds())
		}
	}
	return st
}

func newBatchID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// close stops the loops, writes the counters down and releases the sink
// and transform (a failed delivery has neither).
func (d *delivery) close() {
	d.stop()
	d.saveCounters(true)
	if d.sink == nil {
		return
	}
	if err := d.sink.Close(); err != nil {
		d.log.Warn("sink close", "err", err)
	}
	if d.transform != nil {
		d.transform.Close()
	}
}
