package anomaly

import (
	"math"
	"math/rand/v2"
	"testing"
)

// A noisy signal with injected spikes and dips: every injected point scores beyond the
// threshold, and almost no ordinary point does.
func TestInjectedSpikes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	d := New(DefaultSamples)
	const threshold = 5
	injected := map[int]float64{200: 10, 450: -10, 451: 10, 800: 15, 1300: -12}
	var falseAlarms, ordinary int
	for i := range 2000 {
		x := 20 + 3*math.Sin(float64(i)/50) + rng.NormFloat64()*0.5 // drifting, noisy temperature
		jump, spike := injected[i]
		if spike {
			x += jump
		}
		score, ok := d.Score(x)
		if i < MinSamples {
			if ok {
				t.Fatalf("sample %d scored before %d samples", i, MinSamples)
			}
			continue
		}
		switch {
		case spike && math.Abs(score) < threshold:
			t.Errorf("spike %+.0f at %d scored %.2f", jump, i, score)
		case spike && math.Signbit(score) != math.Signbit(jump):
			t.Errorf("spike %+.0f at %d scored with the wrong sign: %.2f", jump, i, score)
		case !spike:
			ordinary++
			if math.Abs(score) >= threshold {
				falseAlarms++
			}
		}
	}
	if rate := float64(falseAlarms) / float64(ordinary); rate > 0.002 {
		t.Errorf("%d false alarms in %d ordinary samples", falseAlarms, ordinary)
	}
}

func TestFlatSignal(t *testing.T) {
	d := New(16)
	for range 20 {
		if s, ok := d.Score(5); ok && s != 0 {
			t.Fatalf("flat signal scored %v", s)
		}
	}
	if s, _ := d.Score(6); s != MaxScore {
		t.Errorf("departure from a flat signal scored %v, want %v", s, MaxScore)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	a := New(10)
	for i := range 25 {
		a.Score(float64(i % 7))
	}
	b, _ := a.MarshalBinary()
	var c Detector
	if err := c.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		x := float64(i*3%11) + 0.5
		s1, ok1 := a.Score(x)
		s2, ok2 := c.Score(x)
		if s1 != s2 || ok1 != ok2 {
			t.Fatalf("step %d: %v,%v vs %v,%v", i, s1, ok1, s2, ok2)
		}
	}
	if err := c.UnmarshalBinary(b[:len(b)-1]); err == nil {
		t.Error("truncated state accepted")
	}
}
