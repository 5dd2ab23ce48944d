package query

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/internal/durable"
	"github.com/tidegate/tidegate/shards"
)

// Manager runs the continuous queries of a gateway over its store: each in a pump, with
// the other queries of its stream, checkpointed in Dir.
type Manager struct {
	Store  *shards.Store
	Dir    string // DATA_DIR/queries: checkpoints, and what the API defined
	Logger *slog.Logger
	// Limits are the caps queries are planned and run with (zero: plan.DefaultLimits()).
	Limits plan.Limits
	// Now is the processing clock (nil: time.Now); tests set it.
	Now func() time.Time

	cat     *Catalog
	mu      sync.Mutex // guards pumps, defs and running
	pumps   map[string]*pump
	defs    map[string]*Definition
	running bool
}

// Sentinel errors.
var (
	ErrNotFound = errors.New("query: not found")
	ErrExists   = errors.New("query: exists")
)

// Initialize prepares the directories and the catalog.
func (m *Manager) Initialize() error {
	for _, dir := range []string{m.Dir, filepath.Join(m.Dir, "streams"), filepath.Join(m.Dir, "queries")} {
		if err := durable.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("query: %w", err)
		}
		if left, err := durable.RemoveLeftovers(dir); err != nil {
			m.logger().Warn("temporary files of interrupted writes not removed", "dir", dir, "err", err)
		} else if len(left) > 0 {
			m.logger().Info("removed the temporary files of writes a stop interrupted", "dir", dir, "files", left)
		}
	}
	m.cat = NewCatalog(func(name string) bool {
		_, err := m.Store.Stream(name)
		return err == nil
	})
	m.pumps, m.defs = map[string]*pump{}, map[string]*Definition{}
	return nil
}

// Catalog is the declared streams and tables queries are planned over.
func (m *Manager) Catalog() *Catalog { return m.cat }

func (m *Manager) logger() *slog.Logger {
	if m.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return m.Logger
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// Create starts a new query; a query of that name is ErrExists.
func (m *Manager) Create(ctx context.Context, d *Definition) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.defs[d.Name]; ok {
		return fmt.Errorf("%w: query %q", ErrExists, d.Name)
	}
	return m.put(ctx, d)
}

// CreateAll starts new queries together: each pump takes its own at once, with one
// checkpoint, and queries of one stream with the same SINCE read together from the start.
func (m *Manager) CreateAll(ctx context.Context, defs []*Definition) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := map[string]bool{}
	for _, d := range defs {
		if _, ok := m.defs[d.Name]; ok || seen[d.Name] {
			return fmt.Errorf("%w: query %q", ErrExists, d.Name)
		}
		seen[d.Name] = true
	}
	byPump := map[string][]*Definition{}
	var keys []string
	for _, d := range defs {
		k := d.pumpKey()
		if byPump[k] == nil {
			keys = append(keys, k)
		}
		byPump[k] = append(byPump[k], d)
	}
	for _, k := range keys {
		group := byPump[k]
		p := m.pumps[k]
		if p == nil || !m.running {
			for _, d := range group {
				if err := m.put(ctx, d); err != nil {
					return err
				}
			}
			continue
		}
		var err error
		if !p.do(func() { err = p.addAll(ctx, group) }) {
			return fmt.Errorf("query: %s: the pump has stopped", k)
		}
		if err != nil {
			return err
		}
		for _, d := range group {
			m.defs[d.Name] = d
		}
	}
	return nil
}

// Replace starts a query, or restarts one whose definition changed (a changed query without
// SINCE goes on from where the old one was, its state fresh); an unchanged one runs on.
func (m *Manager) Replace(ctx context.Context, d *Definition) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.defs[d.Name]; ok {
		if old.Key == d.Key {
			old.Origin = d.Origin
			return nil
		}
		if old.pumpKey() != d.pumpKey() {
			if err := m.remove(ctx, old); err != nil {
				return err
			}
		}
	}
	return m.put(ctx, d)
}

// Run starts the pumps of the queries defined so far: each recovers its checkpoint knowing
// all of its queries, so that the state of one defined a moment later is not taken for
// that of a query gone. Queries defined afterwards start at once.
func (m *Manager) Run() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.running = true
	for _, p := range m.pumps {
		p.start()
	}
}

// put hands a definition to its pump, making the pump when it has none.
func (m *Manager) put(ctx context.Context, d *Definition) error {
	key := d.pumpKey()
	p := m.pumps[key]
	if p == nil || !m.running {
		if p == nil {
			p = m.newPump(key, d.shared())
			m.pumps[key] = p
		}
		p.defs[d.Name] = d
		p.setView(d, StateStarting, nil)
		m.defs[d.Name] = d
		if m.running {
			p.start()
		}
		return nil
	}
	var err error
	if !p.do(func() { err = p.add(ctx, d) }) {
		return fmt.Errorf("query: %s: the pump has stopped", key)
	}
	if err != nil {
		return err
	}
	m.defs[d.Name] = d
	return nil
}

// Delete stops a query and drops its state; a pump left with no query goes, its
// checkpoint with it.
func (m *Manager) Delete(ctx context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.defs[name]
	if !ok {
		return fmt.Errorf("%w: query %q", ErrNotFound, name)
	}
	return m.remove(ctx, d)
}

func (m *Manager) remove(ctx context.Context, d *Definition) error {
	key := d.pumpKey()
	p := m.pumps[key]
	delete(m.defs, d.Name)
	if p == nil {
		return nil
	}
	if !m.running {
		delete(p.defs, d.Name)
		if len(p.defs) == 0 {
			delete(m.pumps, key)
		}
		return nil
	}
	var err error
	last := false
	p.do(func() {
		err = p.remove(ctx, d.Name)
		last = len(p.defs) == 0
	})
	if err != nil {
		return err
	}
	if last {
		p.close()
		delete(m.pumps, key)
		if err := durable.Remove(p.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("query: %w", err)
		}
	}
	return nil
}

// Stop holds a query where it is (state and positions kept) until Start.
func (m *Manager) Stop(ctx context.Context, name string) error {
	return m.onPump(name, func(p *pump) error { return p.stop(ctx, name) })
}

// Start runs a stopped query again from where it stopped.
func (m *Manager) Start(ctx context.Context, name string) error {
	return m.onPump(name, func(p *pump) error { return p.resume(ctx, name) })
}

func (m *Manager) onPump(name string, f func(*pump) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.defs[name]
	if !ok {
		return fmt.Errorf("%w: query %q", ErrNotFound, name)
	}
	p := m.pumps[d.pumpKey()]
	var err error
	if !m.running {
		return fmt.Errorf("query %q: the queries are not running yet", name)
	}
	if p == nil || !p.do(func() { err = f(p) }) {
		return fmt.Errorf("query: %s: the pump has stopped", d.pumpKey())
	}
	return err
}

// Definition returns a query's definition.
func (m *Manager) Definition(name string) (*Definition, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.defs[name]
	return d, ok
}

// Names lists the queries, by name.
func (m *Manager) Names() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.defs))
	for n := range m.defs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Status reports a query.
func (m *Manager) Status(name string) (Status, error) {
	m.mu.Lock()
	d, ok := m.defs[name]
	var p *pump
	if ok {
		p = m.pumps[d.pumpKey()]
	}
	m.mu.Unlock()
	if !ok || p == nil {
		return Status{}, fmt.Errorf("%w: query %q", ErrNotFound, name)
	}
	p.mu.Lock()
	v := p.views[name]
	var cp view
	if v != nil {
		cp = *v
	}
	p.mu.Unlock()
	if v == nil {
		cp = view{def: d, state: StateStarting}
	}
	cp.def = d
	return cp.status(m.Store, m.now()), nil
}

// Progress is a query's state and counters, without the lag that Status measures against
// its streams: cheap enough to poll.
func (m *Manager) Progress(name string) (State, Counters, error) {
	m.mu.Lock()
	d, ok := m.defs[name]
	var p *pump
	if ok {
		p = m.pumps[d.pumpKey()]
	}
	m.mu.Unlock()
	if !ok || p == nil {
		return "", Counters{}, fmt.Errorf("%w: query %q", ErrNotFound, name)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	v := p.views[name]
	if v == nil {
		return StateStarting, Counters{}, nil
	}
	return v.state, counters(v.stats), nil
}

// List reports every query, by name.
func (m *Manager) List() []Status {
	var out []Status
	for _, name := range m.Names() {
		if st, err := m.Status(name); err == nil {
			out = append(out, st)
		}
	}
	return out
}

// Close stops every pump, each after a last checkpoint.
func (m *Manager) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range m.pumps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.close()
		}()
	}
	wg.Wait()
	m.pumps = map[string]*pump{}
}
