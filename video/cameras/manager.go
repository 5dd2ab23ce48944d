package cameras

import (
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tidegate/tidegate/video/fragments"
)

// Spec is one camera as the configuration declares it.
type Spec struct {
	Name string
	// Source is the `source:` value: a URL or "publisher".
	Source string
	// Config is the source type's configuration (SourceTypeOf(Source)).
	Config SourceConfig
	// Store is the camera's fragmenting and retention.
	Store fragments.CameraConfig
	// EventsStream receives a record per stored fragment; empty for none.
	EventsStream string
}

// Validate checks the spec, its source type and configuration.
func (s Spec) Validate() error {
	if !fragments.ValidCameraName(s.Name) {
		return fmt.Errorf("%w: name: %q must be 1-128 characters of A-Z, a-z, 0-9, _ . -, not starting with . or -", ErrConfig, s.Name)
	}
	t, ok := SourceTypeOf(s.Source)
	if !ok {
		return fmt.Errorf("%w: source: %q is not one of %s", ErrConfig, MaskSource(s.Source), strings.Join(SourceForms(), ", "))
	}
	if t.Check != nil {
		if err := t.Check(s.Source); err != nil {
			return err
		}
	}
	if s.Config == nil || reflect.TypeOf(s.Config) != reflect.TypeOf(t.NewConfig()) {
		return fmt.Errorf("%w: source: the settings %T are not those of a %s source", ErrConfig, s.Config, t.Name)
	}
	return s.Config.Validate()
}

// Events follows a camera's stored fragments into a stream (video/events).
type Events interface {
	// Watch starts following camera into stream; stop ends it.
	Watch(camera, stream string) (stop func(), err error)
}

// Manager runs the cameras of the configuration, and those that
// publishers create.
type Manager struct {
	Store  *fragments.Store
	Logger *slog.Logger
	// Events, when not nil, gets each camera's fragments.
	Events Events
	// DefaultEventsStream is the events stream of a camera that a
	// publisher creates.
	DefaultEventsStream string
	// QueueFrames and QueueBytes bound each session's queue (0: the
	// defaults).
	QueueFrames int
	QueueBytes  int64

	publishNew atomic.Bool
	reconcile  sync.Mutex // serialises Reconcile and Close

	mu     sync.Mutex // guards the fields below
	cams   map[string]*Camera
	closed bool
}

// Initialize checks the manager's fields.
func (m *Manager) Initialize() error {
	if m.Store == nil {
		return errors.New("cameras: manager without a store")
	}
	if m.Logger == nil {
		m.Logger = slog.New(slog.DiscardHandler)
	}
	m.cams = map[string]*Camera{}
	return nil
}

func (m *Manager) queueFrames() int {
	if m.QueueFrames > 0 {
		return m.QueueFrames
	}
	return DefaultQueueFrames
}

func (m *Manager) queueBytes() int64 {
	if m.QueueBytes > 0 {
		return m.QueueBytes
	}
	return DefaultQueueBytes
}

// SetPublishNew says whether publishing to a path that is no camera
// creates one of that name (as MediaMTX does).
func (m *Manager) SetPublishNew(on bool) { m.publishNew.Store(on) }

// Reconcile makes the declared cameras match specs: new ones start, ones
// whose source changed restart (a gap of reason restart), ones whose
// store settings or events stream changed take them without a break, and
// removed ones stop. Cameras that publishers created are left alone,
// unless a spec now declares one. Every spec is tried; the errors are
// joined.
func (m *Manager) Reconcile(specs []Spec) error {
	m.reconcile.Lock()
	defer m.reconcile.Unlock()
	if m.isClosed() {
		return fmt.Errorf("cameras: %w", fragments.ErrClosed)
	}
	want := map[string]bool{}
	for _, s := range specs {
		want[s.Name] = true
	}
	for _, c := range m.list() {
		if !c.auto && !want[c.name] {
			m.remove(c, fragments.ReasonRestart, "removed from the configuration")
			m.Logger.Info("camera removed from the configuration: stopped, its recording kept", "camera", c.name)
		}
	}
	var errs []error
	for _, s := range specs {
		if err := m.apply(s); err != nil {
			errs = append(errs, fmt.Errorf("camera %q: %w", s.Name, err))
		}
	}
	return errors.Join(errs...)
}

func (m *Manager) apply(s Spec) error {
	if err := s.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	cur := m.cams[s.Name]
	m.mu.Unlock()
	switch {
	case cur == nil:
	case cur.auto:
		m.remove(cur, fragments.ReasonRestart, "declared in the configuration")
	case cur.spec.Source == s.Source && reflect.DeepEqual(cur.spec.Config, s.Config):
		return m.update(cur, s)
	default:
		m.remove(cur, fragments.ReasonRestart, "its configuration changed")
	}
	c, err := m.start(s, false)
	if err != nil {
		return err
	}
	m.Logger.Info("camera started", "camera", c.name, "source", MaskSource(s.Source))
	return nil
}

// update applies new store settings and events stream to a running
// camera.
func (m *Manager) update(c *Camera, s Spec) error {
	if s.Store != c.spec.Store {
		if err := m.Store.Configure(c.name, s.Store); err != nil {
			return err
		}
	}
	if s.EventsStream != c.spec.EventsStream {
		if c.unwatch != nil {
			c.unwatch()
			c.unwatch = nil
		}
		m.watch(c, s.EventsStream)
	}
	c.mu.Lock()
	c.spec = s
	c.mu.Unlock()
	return nil
}

// start configures the camera in the store and runs its source.
func (m *Manager) start(s Spec, auto bool) (*Camera, error) {
	t, _ := SourceTypeOf(s.Source)
	if err := m.Store.Configure(s.Name, s.Store); err != nil {
		return nil, err
	}
	src, err := t.New(s.Source, s.Config, Env{Logger: m.Logger})
	if err != nil {
		return nil, err
	}
	c := &Camera{m: m, name: s.Name, spec: s, typ: t, auto: auto, log: m.Logger, src: src}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, fmt.Errorf("cameras: %w", fragments.ErrClosed)
	}
	m.cams[s.Name] = c
	m.mu.Unlock()
	m.watch(c, s.EventsStream)
	c.start()
	return c, nil
}

func (m *Manager) watch(c *Camera, stream string) {
	if m.Events == nil || stream == "" {
		return
	}
	stop, err := m.Events.Watch(c.name, stream)
	if err != nil {
		m.Logger.Error("camera fragment events not written", "camera", c.name, "stream", stream, "err", err)
		return
	}
	c.unwatch = stop
}

// remove stops a camera and forgets it.
func (m *Manager) remove(c *Camera, reason fragments.Reason, detail string) {
	c.stop(reason, detail)
	m.mu.Lock()
	if m.cams[c.name] == c {
		delete(m.cams, c.name)
	}
	m.mu.Unlock()
}

// Publication is a camera that a publisher may record into, once the
// ingest server has checked the publisher's credentials.
type Publication struct {
	m    *Manager
	name string
	cam  *Camera
	// Credentials are the camera's own publishers; empty means the ingest
	// server's credentials apply.
	Credentials []Credential
}

// Publisher looks up the camera a publisher to name records into. Nothing
// is created until Claim, so that a publisher the server refuses leaves
// nothing behind.
func (m *Manager) Publisher(name string) (*Publication, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, fmt.Errorf("cameras: %w", fragments.ErrClosed)
	}
	c := m.cams[name]
	switch {
	case c == nil && (!m.publishNew.Load() || !fragments.ValidCameraName(name)):
		return nil, fmt.Errorf("camera %q: %w", name, ErrNotFound)
	case c == nil:
		return &Publication{m: m, name: name}, nil
	case !c.typ.Capabilities.Publishable:
		return nil, fmt.Errorf("camera %q pulls from %s: %w", name, MaskSource(c.spec.Source), ErrNotPublishable)
	}
	p := &Publication{m: m, name: name, cam: c}
	if cr, ok := c.src.(Credentialed); ok {
		p.Credentials = cr.PublishCredentials()
	}
	return p, nil
}

// Claim returns the camera, creating it for a new path.
func (p *Publication) Claim() (*Camera, error) {
	if p.cam != nil {
		return p.cam, nil
	}
	m := p.m
	m.reconcile.Lock()
	defer m.reconcile.Unlock()
	m.mu.Lock()
	c := m.cams[p.name]
	m.mu.Unlock()
	if c != nil {
		if !c.typ.Capabilities.Publishable {
			return nil, fmt.Errorf("camera %q: %w", p.name, ErrNotPublishable)
		}
		return c, nil
	}
	s := Spec{Name: p.name, Source: PublisherSource, Config: new(PublisherConfig), EventsStream: m.DefaultEventsStream}
	c, err := m.start(s, true)
	if err != nil {
		return nil, fmt.Errorf("camera %q: %w", p.name, err)
	}
	m.Logger.Info("camera created by a publisher", "camera", p.name)
	return c, nil
}

// Camera returns a running camera.
func (m *Manager) Camera(name string) (*Camera, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.cams[name]
	return c, ok
}

// Cameras describes the running cameras, by name.
func (m *Manager) Cameras() []Status {
	var out []Status
	for _, c := range m.list() {
		out = append(out, c.status())
	}
	return out
}

func (m *Manager) list() []*Camera {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*Camera, 0, len(m.cams))
	for _, c := range m.cams {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (m *Manager) isClosed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

// Close stops every camera, each session ending with a gap of reason
// restart, and returns once every recorder is closed.
func (m *Manager) Close() {
	m.reconcile.Lock()
	defer m.reconcile.Unlock()
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range m.list() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.remove(c, fragments.ReasonRestart, "the gateway stopped")
		}()
	}
	wg.Wait()
}
