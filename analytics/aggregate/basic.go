package aggregate

import (
	"encoding/binary"
	"math"

	"github.com/tidegate/tidegate/analytics/value"
)

// count counts rows (star) or non-NULL values.
type count struct {
	n    int64
	star bool
}

func (a *count) Add(v value.Value, _ int64) {
	if a.star || !v.IsNull() {
		a.n++
	}
}

func (a *count) Retract(v value.Value, _ int64) {
	if a.star || !v.IsNull() {
		a.n--
	}
}

func (a *count) Merge(o Accumulator) error {
	b, ok := o.(*count)
	if !ok {
		return ErrMismatch
	}
	a.n += b.n
	return nil
}

func (a *count) Result() value.Value { return value.Int(a.n) }

func (a *count) MarshalBinary() ([]byte, error) { return binary.AppendVarint(nil, a.n), nil }

func (a *count) UnmarshalBinary(b []byte) error {
	n, k := binary.Varint(b)
	if k <= 0 || k != len(b) || n < 0 {
		return ErrCorrupt
	}
	a.n = n
	return nil
}

// kahan is a compensated float sum, so that a long window's sum does not drift.
type kahan struct{ sum, c float64 }

func (k *kahan) add(x float64) {
	y := x - k.c
	t := k.sum + y
	k.c = (t - k.sum) - y
	k.sum = t
}

func (k kahan) value() float64 { return k.sum - k.c }

// sum adds numbers: exactly as BIGINT while every value is one and no overflow happened,
// else as DOUBLE.
type sum struct {
	typ       value.Type // the argument type
	n         int64      // values added
	i         int64      // the BIGINT sum
	overflow  bool       // i overflowed
	f         kahan      // the sum of everything, as DOUBLE
	sawDouble bool
}

func (a *sum) Add(v value.Value, _ int64) { a.step(v, 1) }

func (a *sum) Retract(v value.Value, _ int64) { a.step(v, -1) }

func (a *sum) step(v value.Value, sign int64) {
	switch v.Kind() {
	case value.KindInt:
		x := v.AsInt()
		if sign < 0 {
			if x == math.MinInt64 {
				a.overflow = true
			}
			x = -x
		}
		s := a.i + x
		if (s > a.i) != (x > 0) {
			a.overflow = true
		}
		a.i = s
		a.f.add(float64(x))
	case value.KindDouble:
		a.sawDouble = true
		a.f.add(float64(sign) * v.AsDouble())
	default:
		return
	}
	a.n += sign
}

func (a *sum) Merge(o Accumulator) error {
	b, ok := o.(*sum)
	if !ok {
		return ErrMismatch
	}
	s := a.i + b.i
	if (s > a.i) != (b.i > 0) {
		a.overflow = true
	}
	a.i, a.n = s, a.n+b.n
	a.overflow = a.overflow || b.overflow
	a.sawDouble = a.sawDouble || b.sawDouble
	a.f.add(b.f.value())
	return nil
}

func (a *sum) Result() value.Value {
	switch {
	case a.n == 0:
		return value.Null
	case !a.sawDouble && !a.overflow:
		if a.typ == value.TypeDouble {
			return value.Double(float64(a.i))
		}
		return value.Int(a.i)
	case a.typ == value.TypeInt:
		return value.Null // a BIGINT sum that overflowed
	}
	return value.Double(a.f.value())
}

func (a *sum) MarshalBinary() ([]byte, error) {
	flags := byte(0)
	if a.overflow {
		flags |= 1
	}
	if a.sawDouble {
		flags |= 2
	}
	b := []byte{byte(a.typ), flags}
	b = binary.AppendVarint(b, a.n)
	b = binary.AppendVarint(b, a.i)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(a.f.sum))
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(a.f.c)), nil
}

func (a *sum) UnmarshalBinary(b []byte) error {
	if len(b) < 2 || b[1] > 3 {
		return ErrCorrupt
	}
	a.typ, a.overflow, a.sawDouble = value.Type(b[0]), b[1]&1 != 0, b[1]&2 != 0
	b = b[2:]
	n, k := binary.Varint(b)
	if k <= 0 {
		return ErrCorrupt
	}
	b = b[k:]
	i, k := binary.Varint(b)
	if k <= 0 || len(b)-k != 16 {
		return ErrCorrupt
	}
	b = b[k:]
	a.n, a.i = n, i
	a.f = kahan{math.Float64frombits(binary.LittleEndian.Uint64(b)), math.Float64frombits(binary.LittleEndian.Uint64(b[8:]))}
	return nil
}

// avg is a mean.
type avg struct {
	n int64
	s kahan
}

func (a *avg) Add(v value.Value, _ int64) {
	if x, ok := v.Number(); ok {
		a.n++
		a.s.add(x)
	}
}

func (a *avg) Retract(v value.Value, _ int64) {
	if x, ok := v.Number(); ok {
		a.n--
		a.s.add(-x)
	}
}

func (a *avg) Merge(o Accumulator) error {
	b, ok := o.(*avg)
	if !ok {
		return ErrMismatch
	}
	a.n += b.n
	a.s.add(b.s.value())
	return nil
}

func (a *avg) Result() value.Value {
	if a.n == 0 {
		return value.Null
	}
	return value.Double(a.s.value() / float64(a.n))
}

func (a *avg) MarshalBinary() ([]byte, error) {
	b := binary.AppendVarint(nil, a.n)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(a.s.sum))
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(a.s.c)), nil
}

func (a *avg) UnmarshalBinary(b []byte) error {
	n, k := binary.Varint(b)
	if k <= 0 || len(b)-k != 16 || n < 0 {
		return ErrCorrupt
	}
	b = b[k:]
	a.n = n
	a.s = kahan{math.Float64frombits(binary.LittleEndian.Uint64(b)), math.Float64frombits(binary.LittleEndian.Uint64(b[8:]))}
	return nil
}
