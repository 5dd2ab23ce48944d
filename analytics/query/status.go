package query

import (
	"time"

	"github.com/tidegate/tidegate/analytics/operator"
	"github.com/tidegate/tidegate/shards"
)

// State is what a query is doing.
type State string

// The states of a query.
const (
	StateStarting    State = "starting"
	StateRunning     State = "running"     // at its streams' tips
	StateBackfilling State = "backfilling" // reading history (SINCE, or after a stop) toward the tips
	StateWaiting     State = "waiting"     // for an input stream that does not exist yet
	StateStopped     State = "stopped"
	StateFailed      State = "failed"
)

// Status is a query as the REST API, the CLI and the metrics show it.
type Status struct {
	Name     string `json:"name"`
	SQL      string `json:"sql"`
	Origin   string `json:"origin"`
	State    State  `json:"state"`
	Into     string `json:"into"`
	LateInto string `json:"late_into,omitempty"`
	// LastError is the latest error (a write refused, an input missing), "" when none
	// since the query started.
	LastError string        `json:"last_error,omitempty"`
	Inputs    []InputStatus `json:"inputs"`
	// MemoryBytes is what the query's state takes, as the planner counts it; MemoryLimit
	// the most it may take (the bound computed when it was created).
	MemoryBytes    int64     `json:"memory_bytes"`
	MemoryLimit    int64     `json:"memory_limit_bytes"`
	Counters       Counters  `json:"counters"`
	LastCheckpoint time.Time `json:"last_checkpoint,omitzero"`
}

// InputStatus is where a query is in one input stream, and how far behind its tips.
type InputStatus struct {
	Stream     string        `json:"stream"`
	Shards     []ShardStatus `json:"shards"`
	LagRecords int64         `json:"lag_records"`
	LagMillis  int64         `json:"lag_millis"`
}

// ShardStatus is a position in a shard: after the record with sequence number After
// ("" when nothing of it has been read), or read to its end.
type ShardStatus struct {
	ShardID string `json:"shard_id"`
	After   string `json:"after_sequence_number,omitempty"`
	Done    bool   `json:"done,omitempty"`
}

// Counters are what a query counted since it was created (they survive restarts).
type Counters struct {
	RowsIn      int64 `json:"rows_in"`
	RowsOut     int64 `json:"rows_out"`
	Late        int64 `json:"late_rows"`
	LateDropped int64 `json:"late_dropped"`
	Skipped     int64 `json:"records_skipped"`
	Mismatches  int64 `json:"type_mismatches"`
	NoTime      int64 `json:"rows_without_time"`
	Refused     int64 `json:"rows_refused"`
	Windows     int64 `json:"windows_closed"`
	Evicted     int64 `json:"evicted"`
}

func counters(s operator.Stats) Counters {
	return Counters{
		RowsIn: s.RowsIn, RowsOut: s.RowsOut, Late: s.Late, LateDropped: s.LateDropped, Skipped: s.Skipped,
		Mismatches: s.Mismatches, NoTime: s.NoTime, Refused: s.Refused, Windows: s.WindowsClosed,
		Evicted: s.KeysEvicted + s.GroupsEvicted + s.JoinKeysEvicted + s.JoinRowsEvicted + s.TableEvicted,
	}
}

// view is what a pump last published about one of its queries.
type view struct {
	def        *Definition
	state      State
	err        string
	stats      operator.Stats
	memory     int64
	inputs     []inputPos
	checkpoint time.Time
}

// viewEvery bounds how often a busy pump publishes its queries' views.
const viewEvery = 100 * time.Millisecond

func (p *pump) setView(d *Definition, st State, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v := p.views[d.Name]
	if v == nil {
		v = &view{}
		p.views[d.Name] = v
	}
	v.def, v.state = d, st
	if err != nil {
		v.err = err.Error()
	}
}

// setError notes an error on every query of the pump.
func (p *pump) setError(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, v := range p.views {
		v.err = err.Error()
	}
}

// refreshViews publishes the members' counters and positions (at most every viewEvery
// unless forced).
func (p *pump) refreshViews(force bool) {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if !force && now.Sub(p.viewsAt) < viewEvery {
		return
	}
	p.viewsAt = now
	for i, c := range p.cohorts {
		pos := c.positions()
		for _, m := range c.members {
			v := p.views[m.def.Name]
			if v == nil {
				v = &view{}
				p.views[m.def.Name] = v
			}
			v.def, v.stats, v.memory, v.inputs, v.checkpoint = m.def, m.runner.Stats(), m.runner.Memory(), pos, p.lastCommit
			switch {
			case m.stopped:
				v.state = StateStopped
			case p.shared && i > 0:
				v.state = StateBackfilling
			default:
				v.state = StateRunning
			}
		}
	}
}

// status makes a query's Status from its view; lag is measured now, against the stream.
func (v *view) status(store *shards.Store, now time.Time) Status {
	q := v.def.Plan
	st := Status{
		Name: v.def.Name, SQL: v.def.SQL, Origin: v.def.Origin, State: v.state, Into: q.Into, LateInto: q.LateInto,
		LastError: v.err, MemoryBytes: v.memory, MemoryLimit: q.Bound.Bytes, Counters: counters(v.stats),
		LastCheckpoint: v.checkpoint, Inputs: []InputStatus{},
	}
	for _, in := range v.inputs {
		is := InputStatus{Stream: in.Stream, Shards: []ShardStatus{}}
		s, err := store.Stream(in.Stream)
		for _, sp := range in.Shards {
			ss := ShardStatus{ShardID: shards.ShardID(sp.Shard), Done: sp.Done}
			c := shards.Cursor{StreamID: in.StreamID, Shard: sp.Shard, Pos: sp.Pos}
			if sp.Pos > 0 && !sp.Done {
				ss.After = c.PrecedingSequenceNumber()
			}
			is.Shards = append(is.Shards, ss)
			if err == nil && !sp.Done {
				if n, _, oldest, err := s.Backlog(c); err == nil {
					is.LagRecords += n
					if !oldest.IsZero() {
						is.LagMillis = max(is.LagMillis, now.Sub(oldest).Milliseconds())
					}
				}
			}
		}
		st.Inputs = append(st.Inputs, is)
	}
	return st
}
