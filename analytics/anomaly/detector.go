// Package anomaly scores how unusual a reading is against the recent readings of the same
// sensor: a robust z-score over a sliding window of samples. It is what the SQL function
// ANOMALY_SCORE computes, per partition key.
//
// The score of x is (x − median) / (1.4826 · MAD), where median and MAD (the median
// absolute deviation from it) are those of the last N samples before x. 1.4826 · MAD
// estimates the standard deviation of normal data, so the score reads like a z-score (|z| >
// 3.5 is the usual threshold for an outlier, Iglewicz and Hoaglin), but unlike mean and
// standard deviation, median and MAD are not dragged by the spikes they are meant to find:
// up to half the window may be outliers before they move. A positive score is a spike, a
// negative one a dip. The sample itself joins the window after it is scored.
//
// Until MinSamples samples are seen there is no score. When the window has no spread at all
// (MAD = 0, a flat signal), the mean absolute deviation is used instead, and if that is 0
// too, any departure from the constant scores ±MaxScore.
//
// Memory is N float64s; Score costs a sort of N values.
package anomaly

import (
	"encoding/binary"
	"errors"
	"math"
	"sort"
)

// The detector's constants.
const (
	MinSamples     = 8
	DefaultSamples = 60
	MaxSamples     = 10000
	MaxScore       = 1e6
	madToSigma     = 1.4826
	meanADToSigma  = 1.2533 // sqrt(pi/2)
)

// Detector keeps the last samples of one series.
type Detector struct {
	window  []float64 // ring buffer
	n, next int
	scratch []float64
}

// New makes a detector over the last samples values (clamped to [MinSamples, MaxSamples]).
func New(samples int) *Detector {
	samples = max(MinSamples, min(samples, MaxSamples))
	return &Detector{window: make([]float64, samples)}
}

// Score scores x against the window and then adds it; ok is false while the window holds
// fewer than MinSamples samples, and for NaN or infinite x (which are not added).
func (d *Detector) Score(x float64) (score float64, ok bool) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false
	}
	if d.n >= MinSamples {
		score, ok = d.score(x), true
	}
	d.window[d.next] = x
	d.next = (d.next + 1) % len(d.window)
	d.n = min(d.n+1, len(d.window))
	return score, ok
}

func (d *Detector) score(x float64) float64 {
	s := append(d.scratch[:0], d.window[:d.n]...)
	sort.Float64s(s)
	med := median(s)
	var sumAbs float64
	for i, v := range s {
		s[i] = math.Abs(v - med)
		sumAbs += s[i]
	}
	sort.Float64s(s)
	scale := madToSigma * median(s)
	if scale == 0 {
		scale = meanADToSigma * sumAbs / float64(len(s))
	}
	d.scratch = s
	dev := x - med
	if scale == 0 {
		switch {
		case dev > 0:
			return MaxScore
		case dev < 0:
			return -MaxScore
		}
		return 0
	}
	return max(-MaxScore, min(dev/scale, MaxScore))
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// Reset forgets every sample.
func (d *Detector) Reset() { d.n, d.next = 0, 0 }

// Bytes is the memory the detector holds.
func (d *Detector) Bytes() int { return 16*len(d.window) + 48 }

// MarshalBinary writes the window's size and samples, oldest first.
func (d *Detector) MarshalBinary() ([]byte, error) {
	b := binary.AppendUvarint(nil, uint64(len(d.window)))
	b = binary.AppendUvarint(b, uint64(d.n))
	start := (d.next - d.n + len(d.window)) % len(d.window)
	for i := range d.n {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(d.window[(start+i)%len(d.window)]))
	}
	return b, nil
}

// ErrCorrupt is returned for bytes MarshalBinary did not write.
var ErrCorrupt = errors.New("anomaly: corrupt detector state")

// UnmarshalBinary restores what MarshalBinary wrote.
func (d *Detector) UnmarshalBinary(b []byte) error {
	size, k := binary.Uvarint(b)
	if k <= 0 || size < MinSamples || size > MaxSamples {
		return ErrCorrupt
	}
	b = b[k:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > size || uint64(len(b)-k) != 8*n {
		return ErrCorrupt
	}
	b = b[k:]
	d.window = make([]float64, size)
	for i := range int(n) {
		d.window[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	d.n = int(n)
	d.next = int(n) % int(size)
	return nil
}
