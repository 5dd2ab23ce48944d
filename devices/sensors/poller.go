package sensors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/tidegate/tidegate/devices/decode"
)

// Emit hands a reading to the gateway's durable ingest. An error means the
// reading was not stored: the poller keeps it and tries again at the next poll.
type Emit func(ctx context.Context, stream string, r decode.Reading) error

// Status is told when a sensor goes offline (after OfflineAfter consecutive
// failures, with the last error) and when it is online again (err nil).
type Status func(device string, online bool, err error)

// Deps are what a Poller needs from the gateway. Emit is required. Emit and
// Status are called from the sensors' goroutines, concurrently.
type Deps struct {
	Emit   Emit
	Status Status // optional
	// Hardware opens buses and pins; nil is Host().
	Hardware Hardware
	// Sim holds the emulated chips of bus: sim; nil is a fresh set
	// sensing DefaultSimEnv.
	Sim *Sim
	// Clock and Backoff are injectable for tests; nil is the real clock and
	// DefaultBackoff.
	Clock   Clock
	Backoff Backoff
	// OfflineAfter is the number of consecutive failures that make a
	// sensor offline; 0 is 3.
	OfflineAfter int
	// MaxPending bounds the readings kept while Emit fails; 0 is 100.
	MaxPending int
	Logger     *slog.Logger // nil discards
}

// ErrStarted is returned by Start on a poller already started or closed.
var ErrStarted = errors.New("sensors: poller already started")

// Poller polls sensors, one goroutine each.
type Poller struct {
	cfgs []Config
	deps Deps

	mu      sync.Mutex
	started bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// New validates cfgs and returns a poller that has not touched any
// hardware yet.
func New(cfgs []Config, deps Deps) (*Poller, error) {
	if deps.Emit == nil {
		return nil, errors.New("sensors: Deps.Emit is required")
	}
	if err := ValidateAll(cfgs); err != nil {
		return nil, err
	}
	if deps.Hardware == nil {
		deps.Hardware = Host()
	}
	if deps.Sim == nil {
		deps.Sim = NewSim(DefaultSimEnv())
	}
	if deps.Clock == nil {
		deps.Clock = realClock{}
	}
	if deps.Backoff == nil {
		deps.Backoff = DefaultBackoff
	}
	if deps.OfflineAfter <= 0 {
		deps.OfflineAfter = 3
	}
	if deps.MaxPending <= 0 {
		deps.MaxPending = 100
	}
	if deps.Status == nil {
		deps.Status = func(string, bool, error) {}
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	return &Poller{cfgs: slices.Clone(cfgs), deps: deps}, nil
}

// Start starts one goroutine per sensor. They run until ctx ends or Close.
func (p *Poller) Start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		return ErrStarted
	}
	p.started = true
	ctx, p.cancel = context.WithCancel(ctx)
	for _, c := range p.cfgs {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.run(ctx, c)
		}()
	}
	return nil
}

// Close stops every sensor goroutine, closes their hardware and waits. A
// read in progress finishes first (periph reads take no context), which is
// bounded by the slowest chip's conversion time.
func (p *Poller) Close() error {
	p.mu.Lock()
	p.started = true // a closed poller cannot be started
	cancel := p.cancel
	p.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	p.wg.Wait()
	return nil
}

// loop is one sensor's state, owned by its goroutine.
type loop struct {
	p       *Poller
	c       Config
	log     *slog.Logger
	dev     Device
	fails   int
	online  bool
	known   bool // whether online was ever reported
	pending []decode.Reading
	dropped int
}

func (p *Poller) run(ctx context.Context, c Config) {
	l := &loop{p: p, c: c, log: p.deps.Logger.With("sensor", c.Name, "type", c.Type)}
	defer l.closeDev()
	clk := p.deps.Clock
	var wait time.Duration
	for {
		if wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-clk.After(wait):
			}
		} else if ctx.Err() != nil {
			return
		}
		start := clk.Now()
		if err := l.poll(ctx); err != nil {
			wait = p.deps.Backoff(l.fails)
			l.log.Warn("sensor read failed", "err", err, "failures", l.fails, "retry_in", wait)
			continue
		}
		wait = max(c.Interval-clk.Now().Sub(start), time.Millisecond)
	}
}

// poll opens the device if needed, reads it and emits. A read failure
// closes the device so the next attempt opens it afresh.
func (l *loop) poll(ctx context.Context) error {
	s, err := l.read()
	if err != nil {
		l.closeDev()
		l.fails++
		if l.fails >= l.p.deps.OfflineAfter && (l.online || !l.known) {
			l.online, l.known = false, true
			l.p.deps.Status(l.c.Name, false, err)
		}
		return err
	}
	l.fails = 0
	if !l.online {
		l.online, l.known = true, true
		l.p.deps.Status(l.c.Name, true, nil)
	}
	r, err := s.reading(l.c.Name, l.p.deps.Clock.Now())
	if err != nil {
		l.log.Error("sensor reading dropped", "err", err)
		return nil
	}
	l.queue(r)
	l.flush(ctx)
	return nil
}

func (l *loop) read() (Sample, error) {
	if l.dev == nil {
		d, err := open(l.c, Env{Hardware: l.p.deps.Hardware, Sim: l.p.deps.Sim, Clock: l.p.deps.Clock})
		if err != nil {
			return Sample{}, err
		}
		l.dev = d
	}
	s, err := l.dev.Read()
	if err != nil {
		return Sample{}, fmt.Errorf("sensors: %s: read: %w", l.c.Name, err)
	}
	return s, nil
}

func (l *loop) queue(r decode.Reading) {
	if len(l.pending) >= l.p.deps.MaxPending {
		l.pending = l.pending[1:]
		l.dropped++
		l.log.Error("ingest refusing readings: oldest pending reading dropped", "dropped_total", l.dropped, "pending", len(l.pending))
	}
	l.pending = append(l.pending, r)
}

// flush emits pending readings in order, stopping at the first refusal.
func (l *loop) flush(ctx context.Context) {
	for len(l.pending) > 0 {
		if err := l.p.deps.Emit(ctx, l.c.Stream, l.pending[0]); err != nil {
			l.log.Warn("ingest refused reading; retrying at next poll", "err", err, "pending", len(l.pending))
			return
		}
		l.pending[0] = decode.Reading{}
		l.pending = l.pending[1:]
	}
}

func (l *loop) closeDev() {
	if l.dev == nil {
		return
	}
	if err := l.dev.Close(); err != nil {
		l.log.Warn("sensor close failed", "err", err)
	}
	l.dev = nil
}
