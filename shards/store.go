package shards

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Options tune a Store. The zero value is ready to use.
type Options struct {
	Logger *slog.Logger
	// Clock replaces time.Now, for tests of retention and arrival times.
	// Set alone, it is the monotonic clock too (age follows it) and
	// counts as synchronized.
	Clock func() time.Time
	// Space, when set, is the disk guard of the data directory: new
	// records need its leave; checkpoints, consumers and stream
	// definitions do not (see Space).
	Space Space
	// Monotonic replaces the kernel's boot clock (CLOCK_BOOTTIME and the
	// boot id), for tests of clock steps, restarts and reboots.
	Monotonic Monotonic
	// Synced replaces the kernel's answer to whether the wall clock is
	// synchronized (adjtimex), for the same tests.
	Synced func() bool
	// OnEvent hears of clock steps and of undelivered records deleted
	// (see Event). It is called on one goroutine of the store, in order,
	// never with a lock of the store held; it may block, and events queue
	// behind it (up to 1024, then they are dropped and the drop logged).
	// It may put records into the store's streams.
	OnEvent func(Event)
	// SpaceLow reports that the data directory is below its disk reserve.
	// Retention then deletes records kept past their retention for a
	// consumer that has not read them (StreamConfig.KeepFor): in each
	// stream, the oldest such segment each second while it says so, every
	// consumer's loss counted and reported (EventUndeliveredDeleted). Nil:
	// never.
	SpaceLow func() bool

	hooks *hooks
}

// Store holds every stream of one data directory. Only one process may
// open a directory at a time.
type Store struct {
	dir   string
	log   *slog.Logger
	now   func() time.Time
	clock *clock
	cat   *catalog
	hooks hooks
	space Space
	// segmentCap bounds segment files on a small disk (0: no bound), so
	// that an overwrite_oldest stream has whole segments to drop there.
	segmentCap int64
	spaceLow   func() bool
	events     *eventQueue
	arrival    arrivalClock
	// stopWatch ends the clock watcher and the event handler; they close
	// watchDone and eventsDone.
	stopWatch             chan struct{}
	watchDone, eventsDone chan struct{}

	// mu guards what follows. It is never held through I/O: a lookup,
	// which every put and read through the APIs starts with, must not wait
	// for another stream's fsync.
	mu      sync.RWMutex
	streams map[string]*Stream
	busy    map[string]bool // names being created or deleted, not in streams
	damage  []Damage
	closed  bool
	// changes counts the creates and deletes under way (each holding a
	// name in busy), which Close waits for.
	changes sync.WaitGroup
}

// Open opens (creating if needed) the store in dir, checks and repairs the
// newest segment of every stream, and starts the streams' writers.
func Open(dir string, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if err := mkdirAll(filepath.Join(dir, "streams")); err != nil {
		return nil, fmt.Errorf("shards: %w", err)
	}
	cat, err := openCatalog(dir)
	if err != nil {
		return nil, err
	}
	// bbolt syncs the catalog's file, not its name, which a new catalog
	// has only in the page cache: without this, a power cut in the first
	// seconds of a new store forgets every stream and record in it.
	if err := syncDir(dir); err != nil {
		cat.close()
		return nil, fmt.Errorf("shards: %w", err)
	}
	st := &Store{dir: dir, log: opts.Logger, now: opts.Clock, clock: newClock(opts), cat: cat, space: opts.Space,
		spaceLow: opts.SpaceLow, events: newEventQueue(),
		streams: map[string]*Stream{}, busy: map[string]bool{},
		stopWatch: make(chan struct{}), watchDone: make(chan struct{}), eventsDone: make(chan struct{})}
	if opts.Space != nil {
		st.segmentCap = segmentCap(opts.Space.Total())
	}
	if opts.hooks != nil {
		st.hooks = *opts.hooks
	}
	led, err := cat.loadLedger()
	if err != nil {
		cat.close()
		return nil, err
	}
	metas, err := cat.streams()
	if err != nil {
		cat.close()
		return nil, err
	}
	keep := map[string]bool{}
	for _, m := range metas {
		s, err := st.openStream(m, false)
		if err != nil {
			st.closeOpened()
			return nil, err
		}
		st.streams[m.Name] = s
		keep[filepath.Base(s.dir)] = true
	}
	st.removeOrphans(keep)
	if err := st.startClock(led); err != nil {
		st.closeOpened()
		return nil, err
	}
	for _, s := range st.streams {
		go s.run()
	}
	go st.watch()
	go st.deliverEvents(opts.OnEvent, st.stopWatch, st.eventsDone)
	return st, nil
}

// closeOpened closes what a failed Open opened: streams whose writers
// never started, and the catalog.
func (st *Store) closeOpened() {
	for _, s := range st.streams {
		s.closeFiles()
	}
	st.cat.close()
}

func (st *Store) streamDir(m *streamMeta) string {
	return filepath.Join(st.dir, "streams", m.Name+"-"+strconv.FormatInt(m.ID, 10))
}

// removeOrphans deletes stream directories the catalog does not name: left
// by a crash between deleting a stream from the catalog and its files.
func (st *Store) removeOrphans(keep map[string]bool) {
	entries, _ := os.ReadDir(filepath.Join(st.dir, "streams"))
	for _, e := range entries {
		if !keep[e.Name()] {
			st.log.Info("removing files of a deleted stream", "dir", e.Name())
			os.RemoveAll(filepath.Join(st.dir, "streams", e.Name()))
		}
	}
}

func (st *Store) newStream(m streamMeta) *Stream {
	s := &Stream{
		store: st, name: m.Name, dir: st.streamDir(&m), log: st.log,
		shards:    map[int]*shard{},
		reqs:      make(chan *request, 1024),
		ctrl:      make(chan func()),
		stopping:  make(chan struct{}),
		done:      make(chan struct{}),
		notify:    make(chan struct{}),
		jobs:      make(chan *job),
		committed: make(chan struct{}),
		bufs:      make(chan []byte, 2),
	}
	s.bufs <- nil
	s.bufs <- nil
	return s
}

// openStream loads a stream's segments and shard positions, and starts its
// writer when run (Open starts them all once the clock is set).
func (st *Store) openStream(m streamMeta, run bool) (*Stream, error) {
	s := st.newStream(m)
	// Synced into streams/ when made: the segments' names are synced in
	// it, its own name must be too, or a power cut takes them all.
	if err := mkdirAll(s.dir); err != nil {
		return nil, fmt.Errorf("shards: stream %q: %w", m.Name, err)
	}
	if err := s.applyMeta(m); err != nil {
		return nil, err
	}
	ids, err := listSegments(s.dir)
	if err != nil {
		return nil, fmt.Errorf("shards: stream %q: %w", m.Name, err)
	}
	mmap, _ := m.Config.segmentLimits(st.segmentCap)
	for i, id := range ids {
		g, ranges, damage, err := openSegment(s.dir, id, i == len(ids)-1, int(mmap)+(8<<20))
		if err != nil {
			s.closeFiles()
			return nil, fmt.Errorf("shards: stream %q: %w", m.Name, err)
		}
		if g == nil {
			continue
		}
		for _, d := range damage {
			d.Stream = m.Name
			st.log.Warn("damaged segment repaired", "stream", d.Stream, "segment", d.Segment, "shard", d.Shard, "chunks", d.Chunks, "reason", d.Reason)
			st.mu.Lock()
			st.damage = append(st.damage, d)
			st.mu.Unlock()
		}
		for idx, r := range ranges {
			if sh := s.shards[idx]; sh != nil && r.last > sh.last.Load() {
				sh.last.Store(r.last)
			}
		}
		s.segs = append(s.segs, g)
	}
	floor := posAt(m.FloorMs+1) - 1
	newest := m.FloorMs
	for _, sh := range s.shards {
		sh.next = max(sh.last.Load(), sh.startPos, floor, sh.endPos.Load())
		newest = max(newest, posMillis(sh.next))
	}
	st.arrival.note(newest, st.clock.now())
	if run {
		go s.run()
	}
	return s, nil
}

// Damage lists what was cut off or rebuilt when the store was opened.
func (st *Store) Damage() []Damage {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return append([]Damage(nil), st.damage...)
}

// CreateStream creates a stream with cfg.Shards shards of uniform hash
// key ranges.
func (st *Store) CreateStream(name string, cfg StreamConfig) (*Stream, error) {
	if err := validStreamName(name); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := st.claim(name); err != nil {
		return nil, err
	}
	defer st.changes.Done()
	s, err := st.create(name, cfg)
	st.mu.Lock()
	delete(st.busy, name)
	if err == nil {
		st.streams[name] = s
	}
	st.mu.Unlock()
	return s, err
}

// claim reserves a free name for a create, so that the create's durable
// work runs without st.mu.
func (st *Store) claim(name string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return fmt.Errorf("shards: %w", ErrClosed)
	}
	if _, ok := st.streams[name]; ok {
		return fmt.Errorf("%w: stream %q", ErrExists, name)
	}
	if st.busy[name] {
		return fmt.Errorf("%w: stream %q is being created or deleted", ErrExists, name)
	}
	st.busy[name] = true
	st.changes.Add(1)
	return nil
}

// create writes a claimed stream's definition to the catalog (an fsync)
// and opens it.
func (st *Store) create(name string, cfg StreamConfig) (*Stream, error) {
	now := st.now()
	m := streamMeta{Name: name, ID: now.UnixNano(), Created: now, Config: cfg, NextShard: cfg.Shards}
	startPos := posAt(now.UnixMilli())
	for i, r := range uniformRanges(cfg.Shards) {
		m.Shards = append(m.Shards, shardMeta{Index: i, Start: r.Start.String(), End: r.End.String(),
			Parent: -1, Adjacent: -1, StartPos: startPos})
	}
	if err := st.cat.createStream(&m, st.hooks.inCatalogCreate); err != nil {
		return nil, err
	}
	return st.openStream(m, true)
}

// Stream returns an existing stream.
func (st *Store) Stream(name string) (*Stream, error) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	if st.closed {
		return nil, fmt.Errorf("shards: %w", ErrClosed)
	}
	s, ok := st.streams[name]
	if !ok {
		return nil, fmt.Errorf("%w: stream %q", ErrNotFound, name)
	}
	return s, nil
}

// Streams returns the names of all streams, sorted.
func (st *Store) Streams() []string {
	st.mu.RLock()
	defer st.mu.RUnlock()
	names := make([]string, 0, len(st.streams))
	for n := range st.streams {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// DeleteStream deletes a stream, its data, consumers and checkpoints.
// Pending puts fail with ErrClosed.
func (st *Store) DeleteStream(name string) error {
	st.mu.Lock()
	s, ok := st.streams[name]
	if ok {
		// Held until the catalog forgets it, so that a create of the same
		// name cannot write its definition first and lose it to this delete.
		delete(st.streams, name)
		st.busy[name] = true
		st.changes.Add(1)
	}
	st.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w: stream %q", ErrNotFound, name)
	}
	defer func() {
		st.mu.Lock()
		delete(st.busy, name)
		st.mu.Unlock()
		st.changes.Done()
	}()
	s.stop()
	s.closeFiles()
	if err := st.cat.deleteStream(name); err != nil {
		return err
	}
	if err := os.RemoveAll(s.dir); err != nil {
		st.log.Error("delete stream files", "stream", name, "err", err)
	}
	return nil
}

// Close stops every stream's writer after it commits what is queued, and
// closes all files.
func (st *Store) Close() error {
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		return nil
	}
	st.closed = true
	st.mu.Unlock()
	st.changes.Wait()
	st.mu.RLock()
	streams := slices.Collect(maps.Values(st.streams))
	st.mu.RUnlock()
	// The watcher and the event handler first: a handler may still be
	// putting an event into a stream.
	close(st.stopWatch)
	<-st.watchDone
	<-st.eventsDone
	var errs []error
	for _, s := range streams {
		s.stop()
		errs = append(errs, s.closeFiles())
	}
	st.clock.closeLedger(st.cat.saveLedger)
	errs = append(errs, st.cat.close())
	return errors.Join(errs...)
}
