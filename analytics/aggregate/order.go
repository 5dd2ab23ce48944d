package aggregate

import (
	"encoding/binary"
	"strings"

	"github.com/tidegate/tidegate/analytics/value"
)

// keep copies a string value, so that a kept value does not hold a whole record's text.
func keep(v value.Value) value.Value {
	if v.Kind() == value.KindString {
		return value.String(strings.Clone(v.AsString()))
	}
	return v
}

// extreme is MIN (sign -1) or MAX (sign 1), in the order of value.Order.
type extreme struct {
	v    value.Value
	sign int
}

func (a *extreme) Add(v value.Value, _ int64) {
	if v.IsNull() {
		return
	}
	if a.v.IsNull() || value.Order(v, a.v)*a.sign > 0 {
		a.v = keep(v)
	}
}

func (a *extreme) Merge(o Accumulator) error {
	b, ok := o.(*extreme)
	if !ok || b.sign != a.sign {
		return ErrMismatch
	}
	a.Add(b.v, 0)
	return nil
}

func (a *extreme) Result() value.Value { return a.v }

func (a *extreme) MarshalBinary() ([]byte, error) { return value.AppendBinary(nil, a.v), nil }

func (a *extreme) UnmarshalBinary(b []byte) error {
	v, rest, err := value.ReadBinary(b)
	if err != nil || len(rest) != 0 {
		return ErrCorrupt
	}
	a.v = v
	return nil
}

// edge is FIRST (the earliest row's value) or LAST (the latest's). Among rows of one time
// FIRST keeps the first added and LAST the last.
type edge struct {
	v    value.Value
	ts   int64
	has  bool
	last bool
}

func (a *edge) Add(v value.Value, ts int64) {
	if v.IsNull() {
		return
	}
	if !a.has || (a.last && ts >= a.ts) || (!a.last && ts < a.ts) {
		a.v, a.ts, a.has = keep(v), ts, true
	}
}

func (a *edge) Merge(o Accumulator) error {
	b, ok := o.(*edge)
	if !ok || b.last != a.last {
		return ErrMismatch
	}
	if b.has {
		a.Add(b.v, b.ts)
	}
	return nil
}

func (a *edge) Result() value.Value { return a.v }

func (a *edge) MarshalBinary() ([]byte, error) {
	b := binary.AppendVarint(nil, a.ts)
	return value.AppendBinary(b, a.v), nil
}

func (a *edge) UnmarshalBinary(b []byte) error {
	ts, k := binary.Varint(b)
	if k <= 0 {
		return ErrCorrupt
	}
	v, rest, err := value.ReadBinary(b[k:])
	if err != nil || len(rest) != 0 {
		return ErrCorrupt
	}
	a.v, a.ts, a.has = v, ts, !v.IsNull()
	return nil
}
