package signal

import (
	"testing"
	"time"

	"periph.io/x/conn/v3/physic"
)

var epoch = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

func run(cfg Config, seed uint64, n int, step time.Duration) []Sample {
	s := New(cfg, seed)
	out := make([]Sample, n)
	for i := range out {
		out[i] = s.At(epoch.Add(time.Duration(i) * step))
	}
	return out
}

func TestDeterministic(t *testing.T) {
	a := run(Defaults(), 7, 5000, time.Minute)
	b := run(Defaults(), 7, 5000, time.Minute)
	c := run(Defaults(), 8, 5000, time.Minute)
	same := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("sample %d differs with the same seed: %+v vs %+v", i, a[i], b[i])
		}
		if a[i] == c[i] {
			same++
		}
	}
	if same > 50 {
		t.Fatalf("%d of %d samples equal across seeds", same, len(a))
	}
}

func TestRanges(t *testing.T) {
	cfg := Defaults()
	cfg.SpikeProbability, cfg.StuckProbability = 0, 0
	samples := run(cfg, 1, 7*24*60, time.Minute)
	lo, hi := cfg.Mean-cfg.Amplitude-physic.Kelvin, cfg.Mean+cfg.Amplitude+physic.Kelvin
	var minT, maxT physic.Temperature = hi, lo
	for _, s := range samples {
		if s.Temperature < lo || s.Temperature > hi {
			t.Fatalf("temperature %s outside [%s, %s]", s.Temperature, lo, hi)
		}
		if s.Humidity < 0 || s.Humidity > 100*physic.PercentRH {
			t.Fatalf("humidity %s", s.Humidity)
		}
		if d := s.Pressure - cfg.Pressure; d < -cfg.PressureDrift-50*physic.Pascal || d > cfg.PressureDrift+50*physic.Pascal {
			t.Fatalf("pressure %s drifted beyond bound", s.Pressure)
		}
		if s.Battery > cfg.Battery || s.Battery < cfg.BatteryFloor {
			t.Fatalf("battery %s", s.Battery)
		}
		minT, maxT = min(minT, s.Temperature), max(maxT, s.Temperature)
	}
	if swing := maxT - minT; swing < 2*cfg.Amplitude-physic.Kelvin {
		t.Fatalf("daily swing %s, want about %s", swing, 2*cfg.Amplitude)
	}
	if last := samples[len(samples)-1].Battery; last >= cfg.Battery-100*physic.MilliVolt {
		t.Fatalf("battery %s did not drain over a week", last)
	}
}

func TestHumidityAgainstTemperature(t *testing.T) {
	cfg := Defaults()
	cfg.SpikeProbability, cfg.StuckProbability = 0, 0
	s := New(cfg, 3)
	warm := s.At(time.Date(2025, 6, 1, 15, 0, 0, 0, time.UTC))
	cold := s.At(time.Date(2025, 6, 2, 3, 0, 0, 0, time.UTC))
	if warm.Temperature <= cold.Temperature+5*physic.Kelvin {
		t.Fatalf("15:00 %s not warmer than 03:00 %s", warm.Temperature, cold.Temperature)
	}
	if warm.Humidity >= cold.Humidity {
		t.Fatalf("humidity %s at 15:00 not below %s at 03:00", warm.Humidity, cold.Humidity)
	}
}

func TestPhaseShiftsCycle(t *testing.T) {
	a, b := Defaults(), Defaults()
	b.Phase = 12 * time.Hour
	at := time.Date(2025, 6, 1, 15, 0, 0, 0, time.UTC)
	if ca, cb := New(a, 1).Cycle(at), New(b, 1).Cycle(at); ca < 0.99 || cb > -0.99 {
		t.Fatalf("cycle %f and %f, want +1 and -1", ca, cb)
	}
}

func TestFaults(t *testing.T) {
	cfg := Defaults()
	cfg.SpikeProbability, cfg.StuckProbability, cfg.StuckSamples = 0.01, 0.002, 10
	samples := run(cfg, 11, 20000, time.Second)
	spikes, stuck := 0, 0
	for i, s := range samples {
		if s.Spike {
			spikes++
			if prev := samples[i-1]; prev.Spike || prev.Stuck {
				continue
			}
			if d := s.Temperature - samples[i-1].Temperature; d > -4*physic.Kelvin && d < 4*physic.Kelvin {
				t.Fatalf("spike of only %s", d)
			}
		}
		if s.Stuck {
			stuck++
			if s.Temperature != samples[i-1].Temperature || s.Humidity != samples[i-1].Humidity {
				t.Fatalf("stuck sample %d changed", i)
			}
		}
	}
	if spikes < 100 || spikes > 300 {
		t.Fatalf("%d spikes in 20000 samples at p=0.01", spikes)
	}
	if stuck < 100 || stuck > 1000 {
		t.Fatalf("%d stuck samples", stuck)
	}
}
