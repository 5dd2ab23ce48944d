package aggregate

import (
	"encoding/binary"
	"math"
	"slices"

	"github.com/tidegate/tidegate/analytics/sketch"
	"github.com/tidegate/tidegate/analytics/value"
)

// exactDistinctLimit is how many distinct values COUNT(DISTINCT) counts exactly (by their
// 64-bit hashes) before it turns to HyperLogLog.
const exactDistinctLimit = 1024

const maxDistinctBytes = 8*exactDistinctLimit + sketch.HLLBytes + 64

// distinct counts distinct non-NULL values: a sorted set of hashes, then a HyperLogLog.
// Values that compare equal (1 and 1.0) count once, as they group together.
type distinct struct {
	hashes []uint64 // sorted; nil once hll has taken over
	hll    *sketch.HLL
	buf    []byte
}

func newDistinct() *distinct { return &distinct{hashes: []uint64{}} }

func (a *distinct) Add(v value.Value, _ int64) {
	if v.IsNull() {
		return
	}
	a.buf = value.AppendKey(a.buf[:0], v)
	a.addHash(sketch.Hash(a.buf))
}

func (a *distinct) addHash(h uint64) {
	if a.hll != nil {
		a.hll.Add(h)
		return
	}
	i, found := slices.BinarySearch(a.hashes, h)
	if found {
		return
	}
	a.hashes = slices.Insert(a.hashes, i, h)
	if len(a.hashes) > exactDistinctLimit {
		a.hll = &sketch.HLL{}
		for _, x := range a.hashes {
			a.hll.Add(x)
		}
		a.hashes = nil
	}
}

func (a *distinct) Merge(o Accumulator) error {
	b, ok := o.(*distinct)
	if !ok {
		return ErrMismatch
	}
	if b.hll != nil {
		if a.hll == nil {
			a.hll = &sketch.HLL{}
			for _, x := range a.hashes {
				a.hll.Add(x)
			}
			a.hashes = nil
		}
		a.hll.Merge(b.hll)
		return nil
	}
	for _, h := range b.hashes {
		a.addHash(h)
	}
	return nil
}

func (a *distinct) Result() value.Value {
	if a.hll != nil {
		return value.Int(int64(math.Round(a.hll.Estimate())))
	}
	return value.Int(int64(len(a.hashes)))
}

func (a *distinct) MarshalBinary() ([]byte, error) {
	if a.hll != nil {
		h, err := a.hll.MarshalBinary()
		return append([]byte{1}, h...), err
	}
	b := binary.AppendUvarint([]byte{0}, uint64(len(a.hashes)))
	for _, h := range a.hashes {
		b = binary.LittleEndian.AppendUint64(b, h)
	}
	return b, nil
}

func (a *distinct) UnmarshalBinary(b []byte) error {
	if len(b) == 0 {
		return ErrCorrupt
	}
	switch b[0] {
	case 1:
		a.hashes, a.hll = nil, &sketch.HLL{}
		return a.hll.UnmarshalBinary(b[1:])
	case 0:
		n, k := binary.Uvarint(b[1:])
		if k <= 0 || n > exactDistinctLimit || uint64(len(b)-1-k) != 8*n {
			return ErrCorrupt
		}
		b = b[1+k:]
		a.hll, a.hashes = nil, make([]uint64, n)
		for i := range a.hashes {
			a.hashes[i] = binary.LittleEndian.Uint64(b[8*i:])
			if i > 0 && a.hashes[i] <= a.hashes[i-1] {
				return ErrCorrupt
			}
		}
		return nil
	}
	return ErrCorrupt
}
