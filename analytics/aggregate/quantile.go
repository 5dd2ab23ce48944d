package aggregate

import (
	"encoding/binary"
	"math"
	"slices"

	"github.com/tidegate/tidegate/analytics/sketch"
	"github.com/tidegate/tidegate/analytics/value"
)

// exactQuantileLimit is how many values a quantile keeps exactly before it turns them into
// a KLL sketch.
const exactQuantileLimit = 1024

const maxQuantileBytes = 8*exactQuantileLimit + sketch.MaxKLLBytes + 64

// quantile is PERCENTILE(x, p) and MEDIAN: exact, as PERCENTILE_CONT, while small; a KLL
// sketch beyond.
type quantile struct {
	p      float64
	exact  []float64 // nil once the sketch has taken over
	sketch *sketch.KLL
}

func newQuantile(p float64) *quantile { return &quantile{p: p, exact: []float64{}} }

func (a *quantile) Add(v value.Value, _ int64) {
	x, ok := v.Number()
	if !ok || math.IsNaN(x) {
		return
	}
	if a.sketch != nil {
		a.sketch.Add(x)
		return
	}
	a.exact = append(a.exact, x)
	if len(a.exact) > exactQuantileLimit {
		a.toSketch()
	}
}

func (a *quantile) toSketch() {
	a.sketch = sketch.NewKLL()
	for _, x := range a.exact {
		a.sketch.Add(x)
	}
	a.exact = nil
}

func (a *quantile) Merge(o Accumulator) error {
	b, ok := o.(*quantile)
	if !ok {
		return ErrMismatch
	}
	if b.sketch != nil && a.sketch == nil {
		a.toSketch()
	}
	switch {
	case a.sketch == nil:
		a.exact = append(a.exact, b.exact...)
		if len(a.exact) > exactQuantileLimit {
			a.toSketch()
		}
	case b.sketch != nil:
		a.sketch.Merge(b.sketch)
	default:
		for _, x := range b.exact {
			a.sketch.Add(x)
		}
	}
	return nil
}

// Result interpolates between the order statistics around p·(n−1), as PERCENTILE_CONT.
func (a *quantile) Result() value.Value {
	if a.sketch != nil {
		x, ok := a.sketch.Quantile(a.p)
		if !ok {
			return value.Null
		}
		return value.Double(x)
	}
	n := len(a.exact)
	if n == 0 {
		return value.Null
	}
	s := slices.Clone(a.exact)
	slices.Sort(s)
	pos := a.p * float64(n-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, n-1)
	frac := pos - float64(lo)
	return value.Double(s[lo] + (s[hi]-s[lo])*frac)
}

func (a *quantile) MarshalBinary() ([]byte, error) {
	b := binary.LittleEndian.AppendUint64(nil, math.Float64bits(a.p))
	if a.sketch != nil {
		s, err := a.sketch.MarshalBinary()
		return append(append(b, 1), s...), err
	}
	b = append(b, 0)
	b = binary.AppendUvarint(b, uint64(len(a.exact)))
	for _, x := range a.exact {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	return b, nil
}

func (a *quantile) UnmarshalBinary(b []byte) error {
	if len(b) < 9 {
		return ErrCorrupt
	}
	a.p = math.Float64frombits(binary.LittleEndian.Uint64(b))
	mode, b := b[8], b[9:]
	switch mode {
	case 1:
		a.exact, a.sketch = nil, sketch.NewKLL()
		return a.sketch.UnmarshalBinary(b)
	case 0:
		n, k := binary.Uvarint(b)
		if k <= 0 || n > exactQuantileLimit || uint64(len(b)-k) != 8*n {
			return ErrCorrupt
		}
		b = b[k:]
		a.sketch, a.exact = nil, make([]float64, n)
		for i := range a.exact {
			a.exact[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
		}
		return nil
	}
	return ErrCorrupt
}
