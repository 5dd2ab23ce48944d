package query

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
)

// A checkpoint is what a pump writes after a batch: where each cohort of its queries is in
// its input streams, and for each query its operator state and the result rows it emitted
// since the checkpoint before, which a crash may have left unwritten, with the tips of the
// streams they go to. One file per pump, replaced atomically (durable.WriteFile): a crash
// leaves the old checkpoint or the new one, so that state, positions and output progress
// always agree.
type checkpoint struct {
	Cohorts [][]inputPos // per cohort, the positions of each of its followers
	Outputs []outputTips // the output streams with pending rows
	Queries []queryCheckpoint
}

// queryCheckpoint is one query's part of a checkpoint.
type queryCheckpoint struct {
	Name    string
	Key     string // the definition's key: another key is a changed query
	Stopped bool
	Cohort  int    // the index of its cohort
	State   []byte // the operator's snapshot
	Pending []pendingRows
}

// inputPos is where a follower is in its input stream.
type inputPos struct {
	Stream   string
	StreamID int64
	Shards   []shardPos // by shard index
}

// shardPos is a position in one shard: the next to read (Pos), or read to its end (Done).
type shardPos struct {
	Shard int
	Pos   uint64
	Done  bool
}

// outputTips are the tips of an output stream when the checkpoint was taken: the records
// of a query after them are its pending rows already written.
type outputTips struct {
	Stream   string
	StreamID int64
	Tips     []shardPos
}

// pendingRows are rows a query emitted for one stream since the checkpoint before.
type pendingRows struct {
	Stream string
	Rows   [][]byte
}

const (
	checkpointMagic   = "TGQK"
	checkpointVersion = 1
)

// ErrCheckpoint wraps a checkpoint file that cannot be read: damaged, or of a version this
// build does not know.
var ErrCheckpoint = errors.New("query: bad checkpoint")

func (c *checkpoint) encode() []byte {
	w := &writer{b: append([]byte(checkpointMagic), checkpointVersion)}
	w.n(len(c.Cohorts))
	for _, co := range c.Cohorts {
		w.n(len(co))
		for _, in := range co {
			w.str(in.Stream)
			w.i(in.StreamID)
			w.positions(in.Shards)
		}
	}
	w.n(len(c.Outputs))
	for _, o := range c.Outputs {
		w.str(o.Stream)
		w.i(o.StreamID)
		w.positions(o.Tips)
	}
	w.n(len(c.Queries))
	for i := range c.Queries {
		q := &c.Queries[i]
		w.str(q.Name)
		w.str(q.Key)
		w.flag(q.Stopped)
		w.n(q.Cohort)
		w.bytes(q.State)
		w.n(len(q.Pending))
		for _, p := range q.Pending {
			w.str(p.Stream)
			w.n(len(p.Rows))
			for _, row := range p.Rows {
				w.bytes(row)
			}
		}
	}
	return appendChecksum(w.b)
}

// appendChecksum appends the CRC-32C of b.
func appendChecksum(b []byte) []byte {
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func decodeCheckpoint(b []byte) (*checkpoint, error) {
	head := len(checkpointMagic) + 1
	if len(b) < head+4 || string(b[:len(checkpointMagic)]) != checkpointMagic {
		return nil, fmt.Errorf("%w: not a query checkpoint", ErrCheckpoint)
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, fmt.Errorf("%w: its checksum does not match (the file is damaged)", ErrCheckpoint)
	}
	if v := b[len(checkpointMagic)]; v != checkpointVersion {
		return nil, fmt.Errorf("%w: version %d, this build reads version %d", ErrCheckpoint, v, checkpointVersion)
	}
	r := &reader{b: body[head:]}
	c := &checkpoint{}
	nc := r.count()
	for range nc {
		var co []inputPos
		nf := r.count()
		for range nf {
			co = append(co, inputPos{Stream: r.str(), StreamID: r.i(), Shards: r.positions()})
		}
		c.Cohorts = append(c.Cohorts, co)
	}
	no := r.count()
	for range no {
		c.Outputs = append(c.Outputs, outputTips{Stream: r.str(), StreamID: r.i(), Tips: r.positions()})
	}
	nq := r.count()
	for range nq {
		q := queryCheckpoint{Name: r.str(), Key: r.str(), Stopped: r.flag()}
		if cohort := r.u(); cohort < uint64(len(c.Cohorts)) {
			q.Cohort = int(cohort)
		} else {
			r.fail("a query of a cohort that is not there")
		}
		q.State = r.bytes()
		np := r.count()
		for range np {
			p := pendingRows{Stream: r.str()}
			nr := r.count()
			for range nr {
				p.Rows = append(p.Rows, r.bytes())
			}
			q.Pending = append(q.Pending, p)
		}
		if r.err != nil {
			break
		}
		c.Queries = append(c.Queries, q)
	}
	if r.err == nil && len(r.b) > 0 {
		r.fail("bytes after the end")
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCheckpoint, r.err)
	}
	return c, nil
}

// tips finds the tips of an output stream.
func (c *checkpoint) tips(stream string) *outputTips {
	for i := range c.Outputs {
		if c.Outputs[i].Stream == stream {
			return &c.Outputs[i]
		}
	}
	return nil
}

// query finds a query's part.
func (c *checkpoint) query(name string) *queryCheckpoint {
	for i := range c.Queries {
		if c.Queries[i].Name == name {
			return &c.Queries[i]
		}
	}
	return nil
}

// writer appends the pieces of a checkpoint.
type writer struct{ b []byte }

func (w *writer) u(x uint64) { w.b = binary.AppendUvarint(w.b, x) }
func (w *writer) n(x int)    { w.u(uint64(x)) }
func (w *writer) i(x int64)  { w.b = binary.AppendVarint(w.b, x) }

func (w *writer) flag(x bool) {
	if x {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

func (w *writer) bytes(p []byte) {
	w.n(len(p))
	w.b = append(w.b, p...)
}

func (w *writer) str(s string) {
	w.n(len(s))
	w.b = append(w.b, s...)
}

func (w *writer) positions(ps []shardPos) {
	w.n(len(ps))
	for _, p := range ps {
		w.n(p.Shard)
		w.u(p.Pos)
		w.flag(p.Done)
	}
}

// reader reads the pieces of a checkpoint; the first fault sticks.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = errors.New(what)
	}
}

func (r *reader) u() uint64 {
	if r.err != nil {
		return 0
	}
	x, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("truncated")
		return 0
	}
	r.b = r.b[n:]
	return x
}

func (r *reader) i() int64 {
	if r.err != nil {
		return 0
	}
	x, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("truncated")
		return 0
	}
	r.b = r.b[n:]
	return x
}

// count reads a number of things to come, each at least one byte long.
func (r *reader) count() int {
	n := r.u()
	if n > uint64(len(r.b)) {
		r.fail("a count beyond the bytes left")
		return 0
	}
	return int(n)
}

func (r *reader) flag() bool {
	if r.err != nil {
		return false
	}
	if len(r.b) == 0 || r.b[0] > 1 {
		r.fail("a bad flag")
		return false
	}
	x := r.b[0] == 1
	r.b = r.b[1:]
	return x
}

func (r *reader) bytes() []byte {
	n := r.count()
	if r.err != nil {
		return nil
	}
	p := slices.Clone(r.b[:n])
	r.b = r.b[n:]
	return p
}

func (r *reader) str() string { return string(r.bytes()) }

func (r *reader) positions() []shardPos {
	n := r.count()
	var ps []shardPos
	for range n {
		p := shardPos{Shard: int(r.u()), Pos: r.u(), Done: r.flag()}
		if r.err != nil {
			return nil
		}
		if p.Shard < 0 || p.Shard > 1<<20 || len(ps) > 0 && ps[len(ps)-1].Shard >= p.Shard {
			r.fail("shard positions out of order")
			return nil
		}
		ps = append(ps, p)
	}
	return ps
}
