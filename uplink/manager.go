package uplink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/tidegate/tidegate/internal/durable"
	"github.com/tidegate/tidegate/shards"
)

// Manager runs the deliveries of one Store.
//
// Life: fill in the fields → Initialize → Create / Replace / Delete / Pause
// / Resume / Status … → Close.
type Manager struct {
	Store *shards.Store
	// Dir keeps the deliveries' in-flight markers and paused flags
	// (the gateway uses DATA_DIR/uplink).
	Dir string
	// Env is handed to the destinations built from the registered types
	// (NewSink), its Delivery and Logger set per delivery.
	Env Env
	// NewSink, when set, builds a spec's Destination into a Sink in place
	// of the registered destination types (tests hand in fakes).
	NewSink func(ctx context.Context, spec Spec) (Sink, error)
	// NewTransform, when set, builds a spec's Transform (non-nil) into a
	// Transformer in place of the registered transform types.
	NewTransform func(ctx context.Context, spec Spec) (Transformer, error)
	Logger       *slog.Logger
	// MaxConcurrentSends is how many deliveries may send at once (default
	// 2); the rest wait by priority.
	MaxConcurrentSends int
	// StatusStream receives a status event (one JSON record, partition
	// key the delivery's name) when a delivery's state changes and every
	// StatusInterval (default 60 s). Default "uplink-status"; "-" turns
	// events off.
	StatusStream   string
	StatusInterval time.Duration
	// Changed, when set, is called after a delivery is created, held,
	// stopped or deleted, without the manager's lock: the gateway keeps
	// the source streams' keep_until_delivered lists by it.
	Changed func()

	gate *gate

	mu         sync.Mutex
	deliveries map[string]*delivery
	closed     bool
	kick       chan struct{}
	stopEvents context.CancelFunc
	eventsDone chan struct{}
}

// Initialize checks the fields and starts the status events.
func (m *Manager) Initialize() error {
	if m.Store == nil || m.Dir == "" {
		return fmt.Errorf("uplink: manager needs Store and Dir")
	}
	if m.Logger == nil {
		m.Logger = slog.Default()
	}
	if m.MaxConcurrentSends == 0 {
		m.MaxConcurrentSends = 2
	}
	if m.StatusStream == "" {
		m.StatusStream = "uplink-status"
	}
	if m.StatusInterval == 0 {
		m.StatusInterval = time.Minute
	}
	// Its name must survive a power cut, or the paused flags and markers
	// synced in it go with it.
	if err := durable.MkdirAll(m.Dir, 0o755); err != nil {
		return fmt.Errorf("uplink: %w", err)
	}
	if left, err := durable.RemoveLeftovers(m.Dir); err != nil {
		m.Logger.Warn("temporary files of interrupted writes not removed", "dir", m.Dir, "err", err)
	} else if len(left) > 0 {
		m.Logger.Info("removed the temporary files of writes a stop interrupted", "dir", m.Dir, "files", left)
	}
	m.gate = newGate(m.MaxConcurrentSends)
	m.deliveries = map[string]*delivery{}
	m.kick = make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	m.stopEvents, m.eventsDone = cancel, make(chan struct{})
	go m.events(ctx)
	return nil
}

// Create validates spec, builds its sink and transform and starts it. A
// delivery that was paused (by Pause, before a restart) stays paused.
func (m *Manager) Create(ctx context.Context, spec Spec) error {
	spec = spec.WithDefaults()
	if err := spec.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	if _, ok := m.deliveries[spec.Name]; ok {
		m.mu.Unlock()
		return fmt.Errorf("%w: %q", ErrExists, spec.Name)
	}
	m.deliveries[spec.Name] = nil // reserved while the sink is built
	m.mu.Unlock()
	created := false
	defer func() { // after the unlock below
		if created {
			m.changed()
		}
	}()
	d, err := m.build(ctx, spec)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil || m.closed {
		delete(m.deliveries, spec.Name)
		if err == nil {
			d.sink.Close()
			if d.transform != nil {
				d.transform.Close()
			}
			err = ErrClosed
		}
		return err
	}
	// The start position means the moment of creation: fix it now, not
	// when the delivery's goroutine gets to it.
	for _, from := range spec.From {
		if _, err := openSource(m.Store, &d.spec, from); err != nil && !errors.Is(err, shards.ErrNotFound) {
			m.Logger.Warn("delivery source", "delivery", spec.Name, "stream", from, "err", err)
		}
	}
	m.deliveries[spec.Name] = d
	go d.run()
	m.Logger.Info("delivery started", "delivery", spec.Name, "from", spec.From, "to", spec.DestinationType, "paused", d.spec.Paused)
	created = true
	return nil
}

func (m *Manager) build(ctx context.Context, spec Spec) (*delivery, error) {
	if _, err := os.Stat(m.pausedPath(spec.Name)); err == nil {
		spec.Paused = true
	}
	env := m.Env
	env.Delivery, env.Logger = spec.Name, m.Logger.With("delivery", spec.Name)
	var sink Sink
	var err error
	if m.NewSink != nil {
		sink, err = m.NewSink(ctx, spec)
	} else {
		sink, err = NewSink(ctx, spec, env)
	}
	if err != nil {
		return nil, fmt.Errorf("uplink: delivery %q: %w", spec.Name, err)
	}
	var tr Transformer
	if spec.Transform != nil {
		if m.NewTransform != nil {
			tr, err = m.NewTransform(ctx, spec)
		} else {
			tr, err = NewTransformer(ctx, spec, env)
		}
		if err != nil {
			sink.Close()
			return nil, fmt.Errorf("uplink: delivery %q: transform: %w", spec.Name, err)
		}
	}
	return newDelivery(m, spec, sink, tr), nil
}

// Hold keeps a delivery that could not be created (cause is Create's
// error) among the deliveries, as failed: the status, the REST API and the
// metrics report it, and Replace or Delete replace or remove it as they
// would a running one. Its source streams' backlog is measured; nothing is
// sent.
func (m *Manager) Hold(spec Spec, cause error) error {
	spec = spec.WithDefaults()
	defer m.changed()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if _, ok := m.deliveries[spec.Name]; ok {
		return fmt.Errorf("%w: %q", ErrExists, spec.Name)
	}
	d := newDelivery(m, spec, nil, nil)
	d.status.State, d.status.LastError, d.status.LastErrorAt = StateFailed, cause.Error(), time.Now()
	for _, from := range spec.From {
		if src, err := openSource(m.Store, &d.spec, from); err == nil {
			d.srcs = append(d.srcs, src)
		}
	}
	close(d.done) // nothing runs
	m.deliveries[spec.Name] = d
	m.Logger.Error("delivery could not start; reported as failed, the others run", "delivery", spec.Name, "err", cause)
	m.stateChanged()
	return nil
}

// Replace stops a delivery and starts spec in its place, keeping its
// checkpoints (a configuration reload).
func (m *Manager) Replace(ctx context.Context, spec Spec) error {
	if err := m.Stop(spec.Name); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return m.Create(ctx, spec)
}

// Stop stops a delivery and keeps its checkpoints and marks, so that
// creating it again resumes where it was.
func (m *Manager) Stop(name string) error {
	m.mu.Lock()
	d, ok := m.deliveries[name]
	if !ok || d == nil {
		m.mu.Unlock()
		return fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	delete(m.deliveries, name)
	m.mu.Unlock()
	d.close()
	m.changed()
	return nil
}

// Delete stops a delivery and forgets it: its checkpoints, in-flight mark
// and paused flag. Its source streams keep their data.
func (m *Manager) Delete(name string) error {
	m.mu.Lock()
	d, ok := m.deliveries[name]
	m.mu.Unlock()
	if !ok || d == nil {
		return fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	if err := m.Stop(name); err != nil {
		return err
	}
	for _, from := range d.spec.From {
		if s, err := m.Store.Stream(from); err == nil {
			if err := s.DeregisterConsumer(ConsumerName(name)); err != nil && !errors.Is(err, shards.ErrNotFound) {
				return fmt.Errorf("uplink: delivery %q: %w", name, err)
			}
		}
	}
	// The directory sync of the flag's removal makes the marker's durable
	// too: a delivery created again under this name must not come back
	// paused, nor re-send the old one's batch.
	clearInflight(m.Dir, name)
	os.Remove(countersPath(m.Dir, name))
	if err := durable.Remove(m.pausedPath(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("uplink: delivery %q: %w", name, err)
	}
	return nil
}

// Pause stops a delivery from sending (after the attempt in progress) and
// remembers that across restarts; Resume undoes it.
func (m *Manager) Pause(name string) error {
	d, err := m.get(name)
	if err != nil {
		return err
	}
	if err := durable.WriteFile(m.pausedPath(name), []byte("paused\n"), 0o600); err != nil {
		return fmt.Errorf("uplink: delivery %q: %w", name, err)
	}
	d.pause()
	m.stateChanged()
	return nil
}

// Resume lets a paused delivery send again.
func (m *Manager) Resume(name string) error {
	d, err := m.get(name)
	if err != nil {
		return err
	}
	// Synced: a power cut must not bring back the flag, and the delivery
	// paused at the next start.
	if err := durable.Remove(m.pausedPath(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("uplink: delivery %q: %w", name, err)
	}
	d.resume()
	m.stateChanged()
	return nil
}

// Status returns a delivery's status with its backlog measured now.
func (m *Manager) Status(name string) (Status, error) {
	d, err := m.get(name)
	if err != nil {
		return Status{}, err
	}
	return d.snapshot(), nil
}

// Spec returns a delivery's spec.
func (m *Manager) Spec(name string) (Spec, error) {
	d, err := m.get(name)
	if err != nil {
		return Spec{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.spec, nil
}

// List returns every delivery's status, by name.
func (m *Manager) List() []Status {
	m.mu.Lock()
	ds := make([]*delivery, 0, len(m.deliveries))
	for _, d := range m.deliveries {
		if d != nil {
			ds = append(ds, d)
		}
	}
	m.mu.Unlock()
	out := make([]Status, len(ds))
	for i, d := range ds {
		out[i] = d.snapshot()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the names of the running deliveries.
func (m *Manager) Names() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.deliveries))
	for n, d := range m.deliveries {
		if d != nil {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Close stops every delivery. A batch in flight is abandoned; its records
// are sent again after a restart (and counted as redelivered).
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	ds := m.deliveries
	m.deliveries = map[string]*delivery{}
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, d := range ds {
		if d != nil {
			wg.Add(1)
			go func() { defer wg.Done(); d.close() }()
		}
	}
	wg.Wait()
	m.stopEvents()
	<-m.eventsDone
	return nil
}

func (m *Manager) get(name string) (*delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.deliveries[name]
	if !ok || d == nil {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	return d, nil
}

func (m *Manager) pausedPath(name string) string { return filepath.Join(m.Dir, name+".paused") }

// stateChanged asks for a status event soon.
func (m *Manager) stateChanged() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// events writes status events: on a state change (at most one burst a
// second) and every StatusInterval.
func (m *Manager) events(ctx context.Context) {
	defer close(m.eventsDone)
	if m.StatusStream == "-" {
		<-ctx.Done()
		return
	}
	tick := time.NewTicker(m.StatusInterval)
	defer tick.Stop()
	last := map[string]State{}
	for {
		periodic := false
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			periodic = true
		case <-m.kick:
			if sleep(ctx, time.Second) != nil {
				return
			}
		}
		var entries []shards.PutEntry
		for _, st := range m.List() {
			if !periodic && last[st.Name] == st.State {
				continue
			}
			last[st.Name] = st.State
			b, err := json.Marshal(statusEvent{Time: time.Now().UTC(), Status: st})
			if err != nil {
				continue
			}
			entries = append(entries, shards.PutEntry{PartitionKey: st.Name, Data: b})
		}
		if len(entries) == 0 {
			continue
		}
		if err := m.putStatus(ctx, entries); err != nil && ctx.Err() == nil {
			m.Logger.Warn("status events not written", "stream", m.StatusStream, "err", err)
		}
	}
}

type statusEvent struct {
	Time time.Time `json:"time"`
	Status
}

// Event writes one event of the gateway's own into the status stream,
// beside the deliveries' status events, keyed by key: what a delivery of the
// status stream should forward, such as a full disk. It may use the disk's
// reserve (shards.Stream.PutAllReserved), which new data may not: a full
// disk has to be reported while it lasts. The record is a JSON object:
// "time", "event" (name), then the members of fields (a struct or map, or
// nil). Nothing is written when status events are off.
func (m *Manager) Event(ctx context.Context, key, name string, fields any) error {
	if m.StatusStream == "-" {
		return nil
	}
	head, err := json.Marshal(struct {
		Time  time.Time `json:"time"`
		Event string    `json:"event"`
	}{time.Now().UTC(), name})
	if err != nil {
		return err
	}
	body, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("uplink: event %s: %w", name, err)
	}
	switch {
	case string(body) == "null", string(body) == "{}":
	case body[0] != '{':
		return fmt.Errorf("uplink: event %s: fields are %s, not an object", name, body)
	default: // join the two objects
		head = append(append(head[:len(head)-1], ','), body[1:]...)
	}
	s, err := m.streamOrCreate(m.StatusStream, shards.StreamConfig{Shards: 1})
	if err != nil {
		return err
	}
	return s.PutAllReserved(ctx, []shards.PutEntry{{PartitionKey: key, Data: head}})
}

func (m *Manager) putStatus(ctx context.Context, entries []shards.PutEntry) error {
	s, err := m.streamOrCreate(m.StatusStream, shards.StreamConfig{Shards: 1})
	if err != nil {
		return err
	}
	return s.PutAll(ctx, entries)
}
