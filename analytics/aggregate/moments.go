package aggregate

import (
	"encoding/binary"
	"math"

	"github.com/tidegate/tidegate/analytics/value"
)

// moments is the variance family, by Welford's update (numerically stable in one pass),
// Chan's formula to merge, and Welford backwards to retract.
type moments struct {
	n      int64
	mean   float64
	m2     float64
	sample bool // divide by n-1
	root   bool // the standard deviation
}

func (a *moments) Add(v value.Value, _ int64) {
	x, ok := v.Number()
	if !ok {
		return
	}
	a.n++
	d := x - a.mean
	a.mean += d / float64(a.n)
	a.m2 += d * (x - a.mean)
}

func (a *moments) Retract(v value.Value, _ int64) {
	x, ok := v.Number()
	if !ok || a.n == 0 {
		return
	}
	if a.n == 1 {
		*a = moments{sample: a.sample, root: a.root}
		return
	}
	mean := (a.mean*float64(a.n) - x) / float64(a.n-1)
	a.m2 -= (x - a.mean) * (x - mean)
	a.mean = mean
	a.n--
	a.m2 = math.Max(a.m2, 0)
}

func (a *moments) Merge(o Accumulator) error {
	b, ok := o.(*moments)
	if !ok {
		return ErrMismatch
	}
	if b.n == 0 {
		return nil
	}
	n := a.n + b.n
	d := b.mean - a.mean
	a.m2 += b.m2 + d*d*float64(a.n)*float64(b.n)/float64(n)
	a.mean += d * float64(b.n) / float64(n)
	a.n = n
	return nil
}

func (a *moments) Result() value.Value {
	div := float64(a.n)
	if a.sample {
		div--
	}
	if div <= 0 {
		return value.Null
	}
	v := math.Max(a.m2, 0) / div
	if a.root {
		v = math.Sqrt(v)
	}
	return value.Double(v)
}

func (a *moments) MarshalBinary() ([]byte, error) {
	b := binary.AppendVarint(nil, a.n)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(a.mean))
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(a.m2)), nil
}

func (a *moments) UnmarshalBinary(b []byte) error {
	n, k := binary.Varint(b)
	if k <= 0 || len(b)-k != 16 || n < 0 {
		return ErrCorrupt
	}
	b = b[k:]
	a.n = n
	a.mean = math.Float64frombits(binary.LittleEndian.Uint64(b))
	a.m2 = math.Float64frombits(binary.LittleEndian.Uint64(b[8:]))
	return nil
}
