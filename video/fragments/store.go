package fragments

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tidegate/tidegate/internal/durable"
)

// Options configure a Store.
type Options struct {
	Logger *slog.Logger
	// Defaults apply to every camera; Configure overrides them per camera.
	Defaults CameraConfig
	// IndexInterval is how often the index is committed (30 s): the longer,
	// the fewer bytes the index writes per byte of video (some 25 KB a
	// commit), and the more fragments Open scans from the files after a
	// crash. It never costs a fragment: the segment file is fsync'd first.
	IndexInterval time.Duration
	// RetentionInterval is how often age retention runs (30 s).
	RetentionInterval time.Duration
	// Guard is asked before every fragment is written; nil allows all.
	Guard DiskGuard
	// Clock is the gateway's clock, for frames without a receive time and
	// for age retention (time.Now).
	Clock func() time.Time
}

// Store is the fragment store of every camera, in one directory:
// index.db, and cameras/<name>/<segment>.mp4.
type Store struct {
	dir  string
	opts Options
	log  *slog.Logger
	db   *bolt.DB

	flushMu sync.Mutex // serialises index commits and retention deletions

	mu      sync.Mutex // guards the fields below
	cameras map[string]*camera
	damage  []Damage
	closing bool // Close has begun: no new recording
	closed  bool

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

var cameraName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

// ValidCameraName reports whether name can name a camera: 1 to 128
// letters, digits, '_', '.' and '-', not starting with '.' or '-' (the
// Kinesis Video stream name alphabet, safe as a directory name).
func ValidCameraName(name string) bool { return cameraName.MatchString(name) }

// Open opens (creating it if needed) the store in dir, reconciles the
// index with the segment files of every camera, and starts the goroutine
// that commits the index and runs age retention.
func Open(dir string, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.IndexInterval <= 0 {
		opts.IndexInterval = 30 * time.Second
	}
	if opts.RetentionInterval <= 0 {
		opts.RetentionInterval = 30 * time.Second
	}
	if err := opts.Defaults.withDefaults(CameraConfig{}).validate(); err != nil {
		return nil, fmt.Errorf("fragments: defaults: %w", err)
	}
	if err := mkdirDurable(filepath.Join(dir, "cameras")); err != nil {
		return nil, fmt.Errorf("fragments: %w", err)
	}
	db, err := bolt.Open(filepath.Join(dir, "index.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("fragments: %s: %w", dir, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("fragments: open index: %w", err)
	}
	// bbolt creates index.db; its directory entry must be durable too.
	if err := durable.SyncDir(dir); err != nil {
		db.Close()
		return nil, fmt.Errorf("fragments: %w", err)
	}
	s := &Store{dir: dir, opts: opts, log: opts.Logger, db: db, cameras: map[string]*camera{}}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketCameras)
		return err
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("fragments: index: %w", err)
	}
	if err := s.recoverAll(); err != nil {
		db.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(1)
	go s.maintain(ctx)
	return s, nil
}

// mkdirDurable makes dir and its missing parents, each synced in its
// parent so that the new entries survive a power cut.
func mkdirDurable(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := mkdirDurable(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return durable.SyncDir(parent)
}

// maintain commits the index every IndexInterval and runs age retention
// every RetentionInterval, until Close.
func (s *Store) maintain(ctx context.Context) {
	defer s.wg.Done()
	flush := time.NewTicker(s.opts.IndexInterval)
	defer flush.Stop()
	retain := time.NewTicker(s.opts.RetentionInterval)
	defer retain.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-flush.C:
			if err := s.Flush(); err != nil && !errors.Is(err, ErrClosed) {
				s.log.Error("video index commit failed", "err", err)
			}
		case <-retain.C:
			for _, c := range s.cameraList() {
				if err := s.retainAge(c); err != nil && !errors.Is(err, ErrClosed) {
					s.log.Error("video retention failed", "camera", c.name, "err", err)
				}
			}
		}
	}
}

func (s *Store) cameraList() []*camera {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*camera, 0, len(s.cameras))
	for _, c := range s.cameras {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// camera returns the camera, creating it and its directory when create is
// set (refused once Close has begun).
func (s *Store) camera(name string, create bool) (*camera, error) {
	if !ValidCameraName(name) {
		return nil, fmt.Errorf("%w: camera name %q", ErrInvalidArgument, name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || (create && s.closing) {
		return nil, ErrClosed
	}
	if c := s.cameras[name]; c != nil {
		return c, nil
	}
	if !create {
		return nil, fmt.Errorf("%w: camera %q", ErrNotFound, name)
	}
	c := newCamera(s, name)
	if err := mkdirDurable(c.dir); err != nil {
		return nil, fmt.Errorf("fragments: camera %q: %w", name, err)
	}
	s.cameras[name] = c
	return c, nil
}

// Configure sets a camera's fragmenting and retention, creating the camera
// if it has no recording yet. A Recorder running takes it from its next
// fragment.
func (s *Store) Configure(name string, cfg CameraConfig) error {
	full := cfg.withDefaults(s.opts.Defaults)
	if err := full.validate(); err != nil {
		return fmt.Errorf("fragments: camera %q: %w", name, err)
	}
	c, err := s.camera(name, true)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.cfg = full
	c.mu.Unlock()
	return nil
}

// Damage returns what Open found and repaired: torn tails cut, index
// entries whose bytes were missing, leftover files.
func (s *Store) Damage() []Damage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Damage(nil), s.damage...)
}

func (s *Store) report(d Damage) {
	s.log.Warn("video store repaired", "camera", d.Camera, "segment", d.Segment, "what", d.What)
	s.mu.Lock()
	s.damage = append(s.damage, d)
	s.mu.Unlock()
}

// Close stops every Recorder (each writes its last fragment and opens a
// gap of reason restart), commits the index and closes the store.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed || s.closing {
		s.mu.Unlock()
		return nil
	}
	s.closing = true
	var recs []*Recorder
	for _, c := range s.cameras {
		c.mu.Lock()
		if c.recorder != nil {
			recs = append(recs, c.recorder)
		}
		c.mu.Unlock()
	}
	s.mu.Unlock()
	var errs []error
	for _, r := range recs {
		if err := r.Close(ReasonRestart, "the gateway stopped"); err != nil && !errors.Is(err, ErrClosed) {
			errs = append(errs, err)
		}
	}
	s.cancel()
	s.wg.Wait()
	errs = append(errs, s.Flush())
	s.mu.Lock()
	s.closed = true
	for _, c := range s.cameras {
		c.mu.Lock()
		c.closeSubscribers(ErrClosed)
		c.mu.Unlock()
	}
	s.mu.Unlock()
	errs = append(errs, s.db.Close())
	return errors.Join(errs...)
}
