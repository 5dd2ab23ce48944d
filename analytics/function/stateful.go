package function

import (
	"encoding"
	"encoding/binary"
	"errors"
	"strings"
	"time"

	"github.com/tidegate/tidegate/analytics/anomaly"
	"github.com/tidegate/tidegate/analytics/value"
)

// Stateful is a function whose value for a row depends on the earlier rows of the same
// partition key: LAG, LATEST, CHANGED, ANOMALY_SCORE. The planner gives each call in a
// query a slot of the input row; the operator (or the batch executor) keeps one State per
// partition key, steps it once per row in time order with the row's time and evaluated
// arguments, and writes the result into the slot before the query's expressions read it.
type Stateful struct {
	Name     string
	Min, Max int
	// Check is the type rule; it also reads the constant arguments into a Spec.
	Check func(args []Arg) (value.Type, Spec, error)
	// New makes the state of one key.
	New func(Spec) State
	Doc string
}

// Spec is what a call's constant arguments fix.
type Spec struct {
	// Limit is the call's time limit: a row older than Limit before the current one is
	// forgotten, and a key silent for longer may be dropped with its state.
	Limit time.Duration
	// Args are the indexes of the per-row arguments to evaluate and pass to Step (the
	// constant ones are in the Spec).
	Args []int
	// Offset is LAG's n; Samples is ANOMALY_SCORE's window.
	Offset, Samples int
	// Bytes bounds one key's state, for the query's memory bound.
	Bytes int
}

// State is one key's state of a stateful call.
type State interface {
	// Step returns the function's value for a row at time ts (Unix nanoseconds) with the
	// per-row arguments args, and remembers the row.
	Step(ts int64, args []value.Value) value.Value
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
}

// MaxLagOffset bounds LAG's n.
const MaxLagOffset = 1000

// valueBytes is what one remembered value is counted as (the struct and a short string).
const valueBytes = 64

func statefulFuncs() []*Stateful {
	return []*Stateful{
		{Name: "LAG", Min: 2, Max: 3, Check: lagCheck, New: func(s Spec) State { return &lag{ring: make([]entry, s.Offset), limit: int64(s.Limit)} },
			Doc: "LAG(x[, n], limit): x of the n-th previous row (default 1) of the same key, NULL when that row is older than limit"},
		{Name: "LATEST", Min: 2, Max: 2, Check: limitCheck("LATEST", "LATEST(x, INTERVAL '1' HOUR)", false),
			New: func(s Spec) State { return &latest{limit: int64(s.Limit)} },
			Doc: "LATEST(x, limit): the latest value of x that is not NULL, this row's included, if not older than limit"},
		{Name: "CHANGED", Min: 2, Max: 2, Check: limitCheck("CHANGED", "CHANGED(state, INTERVAL '1' HOUR)", true),
			New: func(s Spec) State { return &changed{limit: int64(s.Limit)} },
			Doc: "CHANGED(x, limit): TRUE when x differs from (IS DISTINCT FROM) its value in the key's previous row, or there is none within limit"},
		{Name: "ANOMALY_SCORE", Min: 2, Max: 3, Check: anomalyCheck,
			New: func(s Spec) State { return &anomalyState{d: anomaly.New(s.Samples), limit: int64(s.Limit)} },
			Doc: "ANOMALY_SCORE(x, limit[, samples]): robust z-score of x against the key's last samples values (default 60); NULL for the first 8"},
	}
}

// limitArg reads argument i as the time limit.
func limitArg(name, example string, args []Arg, i int) (time.Duration, error) {
	a := args[i]
	if !a.Const || a.Value.Kind() != value.KindInterval || a.Value.AsDuration() <= 0 {
		return 0, argErrorf(i, "%s needs a time limit, a positive INTERVAL literal, as its last argument, as in %s: it bounds the state kept per key", name, example)
	}
	return a.Value.AsDuration(), nil
}

// limitCheck is the rule of LATEST and CHANGED: a value and a time limit; the result is
// the value's type, or BOOLEAN.
func limitCheck(name, example string, boolean bool) func([]Arg) (value.Type, Spec, error) {
	return func(args []Arg) (value.Type, Spec, error) {
		limit, err := limitArg(name, example, args, len(args)-1)
		if err != nil {
			return 0, Spec{}, err
		}
		t := args[0].Type
		if boolean {
			t = value.TypeBool
		}
		return t, Spec{Limit: limit, Args: []int{0}, Bytes: valueBytes + 16}, nil
	}
}

func lagCheck(args []Arg) (value.Type, Spec, error) {
	const example = "LAG(temp, 1, INTERVAL '1' HOUR)"
	limit, err := limitArg("LAG", example, args, len(args)-1)
	if err != nil {
		return 0, Spec{}, err
	}
	n := 1
	if len(args) == 3 {
		a := args[1]
		if !a.Const || a.Value.Kind() != value.KindInt || a.Value.AsInt() < 1 || a.Value.AsInt() > MaxLagOffset {
			return 0, Spec{}, argErrorf(1, "the offset of LAG must be a whole number from 1 to %d, as in %s", MaxLagOffset, example)
		}
		n = int(a.Value.AsInt())
	}
	return args[0].Type, Spec{Limit: limit, Args: []int{0}, Offset: n, Bytes: n*(valueBytes+8) + 32}, nil
}

func anomalyCheck(args []Arg) (value.Type, Spec, error) {
	if !AcceptNumber.Fits(args[0].Type) {
		return 0, Spec{}, argErrorf(0, "ANOMALY_SCORE scores a number, not %s", args[0].Type)
	}
	limit, err := limitArg("ANOMALY_SCORE", "ANOMALY_SCORE(temp, INTERVAL '1' HOUR)", args, 1)
	if err != nil {
		return 0, Spec{}, err
	}
	n := anomaly.DefaultSamples
	if len(args) == 3 {
		a := args[2]
		if !a.Const || a.Value.Kind() != value.KindInt || a.Value.AsInt() < anomaly.MinSamples || a.Value.AsInt() > anomaly.MaxSamples {
			return 0, Spec{}, argErrorf(2, "the samples of ANOMALY_SCORE must be a whole number from %d to %d", anomaly.MinSamples, anomaly.MaxSamples)
		}
		n = int(a.Value.AsInt())
	}
	return value.TypeDouble, Spec{Limit: limit, Args: []int{0}, Samples: n, Bytes: anomaly.New(n).Bytes() + 16}, nil
}

// entry is a remembered value and its row's time.
type entry struct {
	v  value.Value
	ts int64
}

// keep copies a value's string, so that state does not hold a whole record's text alive.
func keep(v value.Value) value.Value {
	if v.Kind() == value.KindString {
		return value.String(strings.Clone(v.AsString()))
	}
	return v
}

// lag remembers the last n rows in a ring.
type lag struct {
	ring  []entry
	n     int // rows seen, up to len(ring)
	next  int
	limit int64
}

func (s *lag) Step(ts int64, args []value.Value) value.Value {
	out := value.Null
	if s.n == len(s.ring) {
		if e := s.ring[s.next]; ts-e.ts <= s.limit || s.limit == 0 {
			out = e.v
		}
	}
	s.ring[s.next] = entry{keep(args[0]), ts}
	s.next = (s.next + 1) % len(s.ring)
	s.n = min(s.n+1, len(s.ring))
	return out
}

type latest struct {
	e     entry
	has   bool
	limit int64
}

func (s *latest) Step(ts int64, args []value.Value) value.Value {
	if !args[0].IsNull() {
		s.e, s.has = entry{keep(args[0]), ts}, true
		return args[0]
	}
	if s.has && ts-s.e.ts <= s.limit {
		return s.e.v
	}
	return value.Null
}

type changed struct {
	e     entry
	has   bool
	limit int64
}

func (s *changed) Step(ts int64, args []value.Value) value.Value {
	out := !s.has || ts-s.e.ts > s.limit || value.Distinct(args[0], s.e.v)
	s.e, s.has = entry{keep(args[0]), ts}, true
	return value.Bool(out)
}

type anomalyState struct {
	d     *anomaly.Detector
	last  int64
	limit int64
}

func (s *anomalyState) Step(ts int64, args []value.Value) value.Value {
	x, ok := args[0].Number()
	if !ok {
		return value.Null
	}
	if s.last != 0 && ts-s.last > s.limit {
		s.d.Reset() // a key silent past the limit starts afresh
	}
	s.last = ts
	score, ok := s.d.Score(x)
	if !ok {
		return value.Null
	}
	return value.Double(score)
}

// errState is returned for corrupt state bytes.
var errState = errors.New("function: corrupt stateful-function state")

func appendEntry(b []byte, e entry) []byte {
	b = binary.AppendVarint(b, e.ts)
	return value.AppendBinary(b, e.v)
}

func readEntry(b []byte) (entry, []byte, error) {
	ts, n := binary.Varint(b)
	if n <= 0 {
		return entry{}, nil, errState
	}
	v, rest, err := value.ReadBinary(b[n:])
	return entry{v, ts}, rest, err
}

func (s *lag) MarshalBinary() ([]byte, error) {
	b := binary.AppendUvarint(nil, uint64(len(s.ring)))
	b = binary.AppendUvarint(b, uint64(s.n))
	b = binary.AppendVarint(b, s.limit)
	start := (s.next - s.n + len(s.ring)) % len(s.ring)
	for i := range s.n {
		b = appendEntry(b, s.ring[(start+i)%len(s.ring)])
	}
	return b, nil
}

func (s *lag) UnmarshalBinary(b []byte) error {
	size, k := binary.Uvarint(b)
	if k <= 0 || size < 1 || size > MaxLagOffset {
		return errState
	}
	b = b[k:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > size {
		return errState
	}
	b = b[k:]
	limit, k := binary.Varint(b)
	if k <= 0 {
		return errState
	}
	b = b[k:]
	s.ring, s.n, s.limit = make([]entry, size), int(n), limit
	for i := range s.n {
		e, rest, err := readEntry(b)
		if err != nil {
			return err
		}
		s.ring[i], b = e, rest
	}
	s.next = s.n % len(s.ring)
	return nil
}

func marshalOne(e entry, has bool) ([]byte, error) {
	if !has {
		return []byte{0}, nil
	}
	return appendEntry([]byte{1}, e), nil
}

func unmarshalOne(b []byte) (entry, bool, error) {
	if len(b) == 1 && b[0] == 0 {
		return entry{}, false, nil
	}
	if len(b) == 0 || b[0] != 1 {
		return entry{}, false, errState
	}
	e, rest, err := readEntry(b[1:])
	if err == nil && len(rest) != 0 {
		err = errState
	}
	return e, err == nil, err
}

func (s *latest) MarshalBinary() ([]byte, error) { return marshalOne(s.e, s.has) }
func (s *latest) UnmarshalBinary(b []byte) (err error) {
	s.e, s.has, err = unmarshalOne(b)
	return err
}
func (s *changed) MarshalBinary() ([]byte, error) { return marshalOne(s.e, s.has) }
func (s *changed) UnmarshalBinary(b []byte) (err error) {
	s.e, s.has, err = unmarshalOne(b)
	return err
}

func (s *anomalyState) MarshalBinary() ([]byte, error) {
	d, _ := s.d.MarshalBinary()
	return append(binary.AppendVarint(nil, s.last), d...), nil
}

func (s *anomalyState) UnmarshalBinary(b []byte) error {
	last, k := binary.Varint(b)
	if k <= 0 {
		return errState
	}
	s.last = last
	if s.d == nil {
		s.d = &anomaly.Detector{}
	}
	return s.d.UnmarshalBinary(b[k:])
}
