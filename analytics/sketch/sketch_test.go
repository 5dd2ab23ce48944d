package sketch

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// rankOf is the fraction of sorted values ≤ x.
func rankOf(sorted []float64, x float64) float64 {
	i, _ := slices.BinarySearch(sorted, math.Nextafter(x, math.Inf(1)))
	return float64(i) / float64(len(sorted))
}

// TestKLLRankError measures the rank error of KLL on several distributions, sizes and
// seeds, through merges and a serialisation round trip, against the ±1.7% bound.
func TestKLLRankError(t *testing.T) {
	dists := map[string]func(*rand.Rand) float64{
		"uniform":     func(r *rand.Rand) float64 { return r.Float64() },
		"normal":      func(r *rand.Rand) float64 { return r.NormFloat64()*5 + 20 },
		"exponential": func(r *rand.Rand) float64 { return r.ExpFloat64() },
		"few values":  func(r *rand.Rand) float64 { return float64(r.IntN(7)) },
	}
	worst := 0.0
	for name, gen := range dists {
		for _, n := range []int{1000, 30000, 200000} {
			for seed := range uint64(4) {
				rng := rand.New(rand.NewPCG(seed, 7))
				a, b := NewKLL(), NewKLL()
				vals := make([]float64, n)
				for i := range vals {
					vals[i] = gen(rng)
					if i%3 == 0 {
						b.Add(vals[i])
					} else {
						a.Add(vals[i])
					}
				}
				a.Merge(b)
				bin, _ := a.MarshalBinary()
				s := NewKLL()
				if err := s.UnmarshalBinary(bin); err != nil {
					t.Fatal(err)
				}
				if s.N() != uint64(n) || s.Bytes() > MaxKLLBytes {
					t.Fatalf("%s n=%d: N %d, %d bytes", name, n, s.N(), s.Bytes())
				}
				slices.Sort(vals)
				for _, q := range []float64{0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99} {
					x, _ := s.Quantile(q)
					lo := rankOf(vals, math.Nextafter(x, math.Inf(-1))) // ties: any rank in [lo, hi] is right
					hi := rankOf(vals, x)
					err := 0.0
					if q < lo {
						err = lo - q
					} else if q > hi {
						err = q - hi
					}
					worst = max(worst, err)
					if err > 0.017 {
						t.Errorf("%s n=%d seed %d: q %.2f → %v, rank in [%.4f, %.4f]", name, n, seed, q, x, lo, hi)
					}
				}
			}
		}
	}
	t.Logf("worst rank error %.4f", worst)
}

func TestKLLSmallAndEdges(t *testing.T) {
	s := NewKLL()
	if _, ok := s.Quantile(0.5); ok {
		t.Error("empty sketch answered")
	}
	for _, x := range []float64{5, 1, 3, math.NaN()} {
		s.Add(x)
	}
	if m, _ := s.Quantile(0.5); m != 3 {
		t.Errorf("median of 1,3,5 = %v", m)
	}
	if lo, _ := s.Quantile(0); lo != 1 {
		t.Errorf("min = %v", lo)
	}
	b, _ := s.MarshalBinary()
	if err := NewKLL().UnmarshalBinary(b[:len(b)-3]); err == nil {
		t.Error("truncated sketch accepted")
	}
}

func TestHLLError(t *testing.T) {
	for _, n := range []int{10, 1000, 5000, 100000, 1000000} {
		var a, b HLL
		var buf [8]byte
		for i := range n {
			binary.LittleEndian.PutUint64(buf[:], uint64(i))
			h := Hash(buf[:])
			if i%2 == 0 {
				a.Add(h)
			} else {
				b.Add(h)
			}
			a.Add(h) // duplicates do not count
		}
		a.Merge(&b)
		bin, _ := a.MarshalBinary()
		var c HLL
		if err := c.UnmarshalBinary(bin); err != nil {
			t.Fatal(err)
		}
		est := c.Estimate()
		if rel := math.Abs(est-float64(n)) / float64(n); rel > 3*0.0163 {
			t.Errorf("n=%d: estimate %.0f (%.2f%% off)", n, est, 100*rel)
		}
	}
}
