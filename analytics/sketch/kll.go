package sketch

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
)

// KLLK is the KLL sketch's accuracy parameter.
const KLLK = 200

// ErrCorrupt is returned for bytes a sketch did not write.
var ErrCorrupt = errors.New("sketch: corrupt sketch")

// KLL is a quantile sketch of float64 values.
type KLL struct {
	levels [][]float64 // levels[h]: items of weight 2^h; level 0 unsorted
	n      uint64      // inputs summarised
	rng    uint64      // xorshift state
	min    float64
	max    float64
}

// NewKLL makes an empty sketch.
func NewKLL() *KLL {
	return &KLL{levels: [][]float64{nil}, rng: 0x9E3779B97F4A7C15, min: math.Inf(1), max: math.Inf(-1)}
}

// N is the number of values added.
func (s *KLL) N() uint64 { return s.n }

func (s *KLL) capacity(h int) int {
	depth := len(s.levels) - 1 - h
	c := math.Ceil(KLLK * math.Pow(2.0/3.0, float64(depth)))
	return max(8, int(c))
}

func (s *KLL) size() int {
	n := 0
	for _, l := range s.levels {
		n += len(l)
	}
	return n
}

func (s *KLL) totalCapacity() int {
	n := 0
	for h := range s.levels {
		n += s.capacity(h)
	}
	return n
}

// Add adds a value; NaN is ignored.
func (s *KLL) Add(x float64) {
	if math.IsNaN(x) {
		return
	}
	s.n++
	s.min = math.Min(s.min, x)
	s.max = math.Max(s.max, x)
	s.levels[0] = append(s.levels[0], x)
	s.compress()
}

func (s *KLL) random() uint64 {
	s.rng ^= s.rng << 13
	s.rng ^= s.rng >> 7
	s.rng ^= s.rng << 17
	return s.rng
}

// compress compacts levels while the sketch holds more than its capacity.
func (s *KLL) compress() {
	for s.size() > s.totalCapacity() {
		for h := range s.levels {
			if len(s.levels[h]) < s.capacity(h) {
				continue
			}
			if h+1 == len(s.levels) {
				s.levels = append(s.levels, nil)
			}
			level := s.levels[h]
			slices.Sort(level)
			var keep []float64
			if len(level)%2 == 1 { // an odd one out stays behind
				keep, level = []float64{level[len(level)-1]}, level[:len(level)-1]
			}
			offset := int(s.random() & 1)
			for i := offset; i < len(level); i += 2 {
				s.levels[h+1] = append(s.levels[h+1], level[i])
			}
			s.levels[h] = append(level[:0], keep...)
			break
		}
	}
}

// Merge adds the values o summarises.
func (s *KLL) Merge(o *KLL) {
	for len(s.levels) < len(o.levels) {
		s.levels = append(s.levels, nil)
	}
	for h, l := range o.levels {
		s.levels[h] = append(s.levels[h], l...)
	}
	s.n += o.n
	s.min = math.Min(s.min, o.min)
	s.max = math.Max(s.max, o.max)
	s.rng ^= o.rng
	if s.rng == 0 {
		s.rng = 0x9E3779B97F4A7C15
	}
	s.compress()
}

// Quantile is the value at rank q (0 ≤ q ≤ 1) of what was added; ok is false when empty.
// q 0 and 1 give the exact minimum and maximum.
func (s *KLL) Quantile(q float64) (float64, bool) {
	if s.n == 0 {
		return 0, false
	}
	switch {
	case q <= 0:
		return s.min, true
	case q >= 1:
		return s.max, true
	}
	type item struct {
		x float64
		w uint64
	}
	var items []item
	var total uint64
	for h, l := range s.levels {
		for _, x := range l {
			items = append(items, item{x, 1 << h})
			total += 1 << h
		}
	}
	slices.SortFunc(items, func(a, b item) int { return cmpFloat(a.x, b.x) })
	target := q * float64(total)
	var cum uint64
	for _, it := range items {
		cum += it.w
		if float64(cum) >= target {
			return it.x, true
		}
	}
	return items[len(items)-1].x, true
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Bytes is the memory the sketch holds, about.
func (s *KLL) Bytes() int { return 8*s.size() + 24*len(s.levels) + 64 }

// MaxKLLBytes bounds Bytes for any input.
const MaxKLLBytes = 8*(3*KLLK+8*40) + 24*40 + 64

// MarshalBinary writes the sketch.
func (s *KLL) MarshalBinary() ([]byte, error) {
	b := binary.AppendUvarint(nil, s.n)
	b = binary.LittleEndian.AppendUint64(b, s.rng)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(s.min))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(s.max))
	b = binary.AppendUvarint(b, uint64(len(s.levels)))
	for _, l := range s.levels {
		b = binary.AppendUvarint(b, uint64(len(l)))
		for _, x := range l {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
		}
	}
	return b, nil
}

// UnmarshalBinary restores what MarshalBinary wrote.
func (s *KLL) UnmarshalBinary(b []byte) error {
	n, k := binary.Uvarint(b)
	if k <= 0 || len(b)-k < 24 {
		return ErrCorrupt
	}
	b = b[k:]
	s.n = n
	s.rng = binary.LittleEndian.Uint64(b)
	s.min = math.Float64frombits(binary.LittleEndian.Uint64(b[8:]))
	s.max = math.Float64frombits(binary.LittleEndian.Uint64(b[16:]))
	b = b[24:]
	count, k := binary.Uvarint(b)
	if k <= 0 || count == 0 || count > 64 || s.rng == 0 {
		return ErrCorrupt
	}
	b = b[k:]
	s.levels = make([][]float64, count)
	var weight uint64
	for h := range s.levels {
		m, k := binary.Uvarint(b)
		if k <= 0 || m > uint64(len(b)-k)/8 {
			return ErrCorrupt
		}
		b = b[k:]
		l := make([]float64, m)
		for i := range l {
			l[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
		}
		b = b[8*m:]
		s.levels[h] = l
		weight += m << h
	}
	if len(b) != 0 || weight != n {
		return ErrCorrupt
	}
	return nil
}
