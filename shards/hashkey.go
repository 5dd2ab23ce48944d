package shards

import (
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"math/big"
	"math/bits"
	"unsafe"
)

// HashKey is a point in the 128-bit hash key space of a stream.
type HashKey struct{ Hi, Lo uint64 }

// MaxHashKey is 2^128-1, the top of the hash key space.
var MaxHashKey = HashKey{^uint64(0), ^uint64(0)}

// HashPartitionKey maps a partition key to its hash key: the MD5 digest read
// as a big-endian 128-bit integer, as Kinesis does.
func HashPartitionKey(key string) HashKey {
	sum := md5.Sum(unsafe.Slice(unsafe.StringData(key), len(key))) // read only: no copy
	return HashKey{binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:])}
}

// ParseHashKey parses a decimal hash key in [0, 2^128-1], the form Kinesis
// uses for ExplicitHashKey and hash key ranges.
func ParseHashKey(s string) (HashKey, error) {
	if s == "" || len(s) > 39 {
		return HashKey{}, fmt.Errorf("%w: hash key %q must be a decimal number in [0, 2^128-1]", ErrInvalidArgument, s)
	}
	var h HashKey
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return HashKey{}, fmt.Errorf("%w: hash key %q must be a decimal number in [0, 2^128-1]", ErrInvalidArgument, s)
		}
		// h = h*10 + d, with overflow detection.
		hiHi, hiLo := bits.Mul64(h.Hi, 10)
		loHi, loLo := bits.Mul64(h.Lo, 10)
		hi, carry := bits.Add64(hiLo, loHi, 0)
		if hiHi != 0 || carry != 0 {
			return HashKey{}, fmt.Errorf("%w: hash key %q is larger than 2^128-1", ErrInvalidArgument, s)
		}
		lo, c2 := bits.Add64(loLo, uint64(c-'0'), 0)
		hi, c3 := bits.Add64(hi, 0, c2)
		if c3 != 0 {
			return HashKey{}, fmt.Errorf("%w: hash key %q is larger than 2^128-1", ErrInvalidArgument, s)
		}
		h = HashKey{hi, lo}
	}
	return h, nil
}

// String returns the decimal form.
func (h HashKey) String() string {
	b := new(big.Int).SetUint64(h.Hi)
	b.Lsh(b, 64)
	b.Or(b, new(big.Int).SetUint64(h.Lo))
	return b.String()
}

// Cmp compares two hash keys: -1, 0 or +1.
func (h HashKey) Cmp(o HashKey) int {
	switch {
	case h.Hi < o.Hi:
		return -1
	case h.Hi > o.Hi:
		return 1
	case h.Lo < o.Lo:
		return -1
	case h.Lo > o.Lo:
		return 1
	}
	return 0
}

func (h HashKey) add(o HashKey) HashKey {
	lo, c := bits.Add64(h.Lo, o.Lo, 0)
	hi, _ := bits.Add64(h.Hi, o.Hi, c)
	return HashKey{hi, lo}
}

func (h HashKey) sub(o HashKey) HashKey {
	lo, b := bits.Sub64(h.Lo, o.Lo, 0)
	hi, _ := bits.Sub64(h.Hi, o.Hi, b)
	return HashKey{hi, lo}
}

func (h HashKey) inc() HashKey { return h.add(HashKey{0, 1}) }
func (h HashKey) dec() HashKey { return h.sub(HashKey{0, 1}) }

func (h HashKey) half() HashKey { return HashKey{h.Hi >> 1, h.Lo>>1 | h.Hi<<63} }

// divN divides by a small n, rounding down, and returns the remainder.
func (h HashKey) divN(n uint64) (HashKey, uint64) {
	qHi, r := bits.Div64(0, h.Hi, n)
	qLo, r := bits.Div64(r, h.Lo, n)
	return HashKey{qHi, qLo}, r
}

// HashRange is an inclusive range of hash keys owned by one shard.
type HashRange struct{ Start, End HashKey }

func (r HashRange) contains(h HashKey) bool { return r.Start.Cmp(h) <= 0 && h.Cmp(r.End) <= 0 }

// width returns End-Start (the number of keys minus one).
func (r HashRange) width() HashKey { return r.End.sub(r.Start) }

// uniformRanges divides the whole key space into n contiguous ranges as even
// as integer division allows, as CreateStream does.
func uniformRanges(n int) []HashRange {
	// step = floor(2^128 / n), computed from 2^128-1 without overflow, so
	// that two shards split at 2^127 exactly as Kinesis does.
	step, r := MaxHashKey.divN(uint64(n))
	if r == uint64(n)-1 {
		step = step.inc()
	}
	out := make([]HashRange, n)
	start := HashKey{}
	for i := 0; i < n; i++ {
		end := start.add(step)
		if i == n-1 {
			end = MaxHashKey
		} else {
			end = end.dec()
		}
		out[i] = HashRange{start, end}
		start = end.inc()
	}
	return out
}
