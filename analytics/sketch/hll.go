package sketch

import (
	"math"
	"math/bits"
)

// hllP is the number of index bits: 2^hllP registers.
const hllP = 12

const hllM = 1 << hllP

// HLL is a HyperLogLog distinct counter over 64-bit hashes.
type HLL struct {
	reg [hllM]uint8
}

// HLLBytes is the memory an HLL holds.
const HLLBytes = hllM

// Add adds a hash (of a well-mixed 64-bit hash function: see Hash).
func (h *HLL) Add(x uint64) {
	i := x >> (64 - hllP)
	rest := x<<hllP | 1<<(hllP-1) // guard bit: at most 64-hllP+1
	rho := uint8(bits.LeadingZeros64(rest)) + 1
	if rho > h.reg[i] {
		h.reg[i] = rho
	}
}

// Merge adds o's hashes.
func (h *HLL) Merge(o *HLL) {
	for i, r := range o.reg {
		if r > h.reg[i] {
			h.reg[i] = r
		}
	}
}

// Estimate is the number of distinct hashes added, estimated.
func (h *HLL) Estimate() float64 {
	var sum float64
	zeros := 0
	for _, r := range h.reg {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	m := float64(hllM)
	alpha := 0.7213 / (1 + 1.079/m)
	e := alpha * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		return m * math.Log(m/float64(zeros)) // linear counting for small cardinalities
	}
	return e
}

// MarshalBinary writes the registers.
func (h *HLL) MarshalBinary() ([]byte, error) { return append([]byte(nil), h.reg[:]...), nil }

// UnmarshalBinary restores what MarshalBinary wrote.
func (h *HLL) UnmarshalBinary(b []byte) error {
	if len(b) != hllM {
		return ErrCorrupt
	}
	for _, r := range b {
		if r > 64-hllP+1 {
			return ErrCorrupt
		}
	}
	copy(h.reg[:], b)
	return nil
}

// Hash is a 64-bit hash of b with good avalanche (FNV-1a, then the MurmurHash3 finaliser),
// fixed across processes so that checkpointed sketches stay valid after a restart.
func Hash(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}
