package disk

import (
	"log/slog"
	"sync"
	"time"
)

// Space is a sample of a filesystem: its size and the bytes still free for
// new files, both in bytes.
type Space struct {
	Total int64
	Free  int64
}

// Options tune a Guard. The zero value is ready to use.
type Options struct {
	// Reserve is the space kept for bookkeeping; the zero value is the
	// default (see Reserve).
	Reserve Reserve
	Logger  *slog.Logger
	// Interval is how long a sample of the free space is trusted
	// (DefaultInterval when 0).
	Interval time.Duration
	// Statfs replaces statfs(2): a test gives the guard a disk of any
	// size, or one that fills when it says.
	Statfs func(dir string) (Space, error)
	// Clock replaces time.Now.
	Clock func() time.Time
}

// DefaultInterval is how long a sample is trusted: a statfs four times a
// second costs nothing, and a burst between two samples is bounded by the
// resampling after a quarter of the reserve.
const DefaultInterval = 250 * time.Millisecond

// Guard watches the free space of the filesystem holding a data directory
// and refuses new data below the reserve. Its methods are safe for
// concurrent use.
type Guard struct {
	dir      string
	statfs   func(string) (Space, error)
	now      func() time.Time
	log      *slog.Logger
	interval time.Duration

	mu        sync.Mutex
	reserve   Reserve
	space     Space
	sampled   time.Time
	sampleErr string // the last statfs error's text, to log each once
	admitted  int64  // bytes admitted since the sample
	full      bool
	since     time.Time
	cause     error     // a write that failed for want of space …
	holdUntil time.Time // … keeps new data refused until then
	refused   int64     // refusals since New
	episode   int64     // refusals since the state began

	usageMu sync.Mutex
	stores  []tracked
	usage   map[string]int64
	usageAt time.Time
}

// New samples the filesystem holding dir (which must exist) and returns its
// guard. On a system without statfs it fails with errors.ErrUnsupported.
func New(dir string, opts Options) (*Guard, error) {
	if err := opts.Reserve.Validate(); err != nil {
		return nil, err
	}
	g := &Guard{dir: dir, statfs: opts.Statfs, now: opts.Clock, log: opts.Logger,
		interval: opts.Interval, reserve: opts.Reserve}
	if g.statfs == nil {
		g.statfs = statfs
	}
	if g.now == nil {
		g.now = time.Now
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.interval <= 0 {
		g.interval = DefaultInterval
	}
	sp, err := g.statfs(dir)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	g.space, g.sampled = sp, g.now()
	var cs changes
	if res := g.reserve.Of(sp.Total); sp.Free < res+margin(res) {
		// Started within the margin: whatever the state was before a
		// restart, it is full until the margin is free, as it would be
		// had the gateway run on.
		cs = cs.add(g.begin(g.sampled))
	}
	g.mu.Unlock()
	g.report(cs)
	return g, nil
}

// Admit is asked before n bytes of new data are written (records, video
// fragments): nil lets them in, a *FullError refuses them. Bookkeeping
// writes do not ask: the reserve is theirs.
func (g *Guard) Admit(n int64) error {
	g.mu.Lock()
	now := g.now()
	var cs changes
	if g.stale(now) {
		cs = cs.add(g.sample(now))
	}
	res := g.reserve.Of(g.space.Total)
	if !g.full && g.free()-n < res && now.Sub(g.sampled) >= g.interval/10 {
		// About to refuse on a sample that is not quite fresh: look
		// again, retention or a delivery may have freed space.
		cs = cs.add(g.sample(now))
		res = g.reserve.Of(g.space.Total)
	}
	var err error
	switch free := g.free(); {
	case g.full:
		err = g.refusal(res)
	case free-n < res:
		if free < res+margin(res) {
			// Too little left for more than this put: the state begins.
			// (A put larger than what is left above the reserve alone
			// is refused without it.)
			cs = cs.add(g.begin(now))
		}
		err = g.refusal(res)
	default:
		g.admitted += n
	}
	if err != nil {
		g.refused++
		g.episode++
	}
	g.mu.Unlock()
	g.report(cs)
	return err
}

// Short is how many bytes would have to be freed for Admit(n) to let n
// bytes in now — room above the reserve, and while new data is refused the
// margin that ends the state — without refusing anything: a store that may
// drop its oldest data (an overwrite_oldest stream, a camera that deletes
// its oldest fragments) drops that much first, so that its own writes never
// begin the full state. 0 when n fits, and while a failed write holds the
// state (freeing would not help yet).
func (g *Guard) Short(n int64) int64 {
	g.mu.Lock()
	now := g.now()
	var cs changes
	if g.stale(now) {
		cs = cs.add(g.sample(now))
	}
	var short int64
	if !now.Before(g.holdUntil) {
		res := g.reserve.Of(g.space.Total)
		need := res + n
		if g.full {
			need = max(need, res+margin(res))
		}
		short = max(need-g.free(), 0)
	}
	g.mu.Unlock()
	g.report(cs)
	return short
}

// Refresh samples the free space now, and returns the refusal new data
// gets after it (nil when there is room). A store calls it when a write
// failed with cause (IsNoSpace): new data is then refused for at least one
// Interval even if the sample shows room, which a quota or a filesystem out
// of inodes can. With a nil cause it only re-samples, as after freeing
// space.
func (g *Guard) Refresh(cause error) error {
	g.mu.Lock()
	now := g.now()
	if IsNoSpace(cause) {
		g.cause, g.holdUntil = cause, now.Add(g.interval)
	}
	cs := changes{}.add(g.sample(now))
	var err error
	if g.full {
		err = g.refusal(g.reserve.Of(g.space.Total))
	}
	g.mu.Unlock()
	g.report(cs)
	return err
}

// State is what the guard knows, for /readyz, the status page and metrics.
type State struct {
	Dir     string
	Total   int64 // size of the filesystem
	Free    int64 // bytes free for new data (last sample, less what was admitted since)
	Reserve int64 // bytes kept for bookkeeping
	// Full is true while new data is refused, since Since; Reason is then
	// the refusal's text.
	Full    bool
	Since   time.Time
	Reason  string
	Refused int64 // refusals of new data since the guard was made
}

// State samples the free space if the last sample is stale and returns the
// guard's state.
func (g *Guard) State() State {
	g.mu.Lock()
	now := g.now()
	var cs changes
	if g.stale(now) {
		cs = cs.add(g.sample(now))
	}
	res := g.reserve.Of(g.space.Total)
	st := State{Dir: g.dir, Total: g.space.Total, Free: max(g.free(), 0), Reserve: res,
		Full: g.full, Refused: g.refused}
	if g.full {
		st.Since, st.Reason = g.since, g.refusal(res).Error()
	}
	g.mu.Unlock()
	g.report(cs)
	return st
}

// Total is the size of the filesystem, as last sampled.
func (g *Guard) Total() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.space.Total
}

// SetReserve changes the reserve (a reloaded configuration) and samples
// again under it.
func (g *Guard) SetReserve(r Reserve) error {
	if err := r.Validate(); err != nil {
		return err
	}
	g.mu.Lock()
	g.reserve = r
	cs := changes{}.add(g.sample(g.now()))
	g.mu.Unlock()
	g.report(cs)
	return nil
}

// stale reports whether the sample is too old to trust: older than the
// interval, or a quarter of the reserve was admitted since. The caller
// holds mu.
func (g *Guard) stale(now time.Time) bool {
	return now.Sub(g.sampled) >= g.interval || g.admitted >= g.reserve.Of(g.space.Total)/4
}

// free is the estimate of what is free now. The caller holds mu.
func (g *Guard) free() int64 { return g.space.Free - g.admitted }

// sample takes a new sample. A failed statfs keeps the last one (and is
// logged once), so a passing error neither stops nor opens the gate. The
// caller holds mu.
func (g *Guard) sample(now time.Time) change {
	sp, err := g.statfs(g.dir)
	g.sampled = now
	if err != nil {
		if msg := err.Error(); msg != g.sampleErr {
			g.sampleErr = msg
			g.log.Warn("disk: free space not sampled; the last sample stands", "dir", g.dir, "err", err)
		}
		return change{}
	}
	g.sampleErr = ""
	g.space, g.admitted = sp, 0
	return g.evaluate(now)
}

// margin is how much more than the reserve must be free for the full state
// to end: an eighth of the reserve, and at least 1 MiB (or the reserve,
// when smaller). Without it the state would flap as each freed segment is
// filled again, and with it the estimate of what is on its way to the disk
// may err without ending the state early.
func margin(reserve int64) int64 {
	return max(reserve/8, min(reserve, 1<<20))
}

// evaluate begins or ends the state after a sample: it begins below the
// reserve or while a failed write holds it; it ends once the reserve and a
// margin are free. The caller holds mu.
func (g *Guard) evaluate(now time.Time) change {
	res := g.reserve.Of(g.space.Total)
	held := now.Before(g.holdUntil)
	switch {
	case !g.full && (g.space.Free < res || held):
		return g.begin(now)
	case g.full && g.space.Free >= res+margin(res) && !held:
		c := change{ended: true, free: g.space.Free, reserve: res, lasted: now.Sub(g.since), refused: g.episode}
		g.full, g.since, g.cause, g.episode = false, time.Time{}, nil, 0
		return c
	}
	return change{}
}

// begin enters the full state. The caller holds mu.
func (g *Guard) begin(now time.Time) change {
	g.full, g.since, g.episode = true, now, 0
	res := g.reserve.Of(g.space.Total)
	return change{began: true, free: max(g.free(), 0), reserve: res, reason: g.refusal(res).Error()}
}

// refusal is the error new data gets now. The caller holds mu.
func (g *Guard) refusal(reserve int64) *FullError {
	return &FullError{Free: max(g.free(), 0), Reserve: reserve, Cause: g.cause}
}

// change is a beginning or an end of the full state, logged once the lock
// is let go; the zero change is neither.
type change struct {
	began, ended  bool
	free, reserve int64
	reason        string
	lasted        time.Duration
	refused       int64
}

// changes are those of one call, in order: a sample can end the state and
// the put that follows begin it again.
type changes []change

func (cs changes) add(c change) changes {
	if !c.began && !c.ended {
		return cs
	}
	return append(cs, c)
}

func (g *Guard) report(cs changes) {
	for _, c := range cs {
		if c.began {
			g.log.Warn("disk: data directory full: new data refused until space returns; bookkeeping goes on in the reserve",
				"dir", g.dir, "free_bytes", c.free, "reserve_bytes", c.reserve, "reason", c.reason)
		} else {
			g.log.Info("disk: data directory has room again: new data accepted",
				"dir", g.dir, "free_bytes", c.free, "reserve_bytes", c.reserve,
				"full_for", c.lasted.Round(time.Millisecond).String(), "refused", c.refused)
		}
	}
}
