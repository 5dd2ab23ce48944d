// Package signal makes plausible readings for a simulated sensor node: a daily temperature
// cycle, humidity moving against it, barometric drift, Gaussian noise, and the faults field
// sensors have (single-sample spikes, a value stuck for a while). A Source is deterministic:
// the same Config, seed and sample times give the same readings.
package signal

import (
	"math"
	"math/rand/v2"
	"time"

	"periph.io/x/conn/v3/physic"
)

// Config shapes a Source. Start from Defaults; zero noise or probability turns that off.
type Config struct {
	Mean      physic.Temperature // daily mean temperature
	Amplitude physic.Temperature // half the daily swing
	Period    time.Duration      // length of the cycle; zero means 24h
	Phase     time.Duration      // shifts the cycle, so nodes are not in lockstep

	Humidity      physic.RelativeHumidity // mean relative humidity
	HumiditySwing physic.RelativeHumidity // humidity is this much lower at the warmest hour

	Pressure      physic.Pressure // mean barometric pressure
	PressureDrift physic.Pressure // bound of the slow weather drift around the mean

	TemperatureNoise physic.Temperature      // standard deviation
	HumidityNoise    physic.RelativeHumidity // standard deviation
	PressureNoise    physic.Pressure         // standard deviation

	SpikeProbability float64 // per sample: one temperature reading off by 5..15 K
	StuckProbability float64 // per sample: the sensor repeats its last reading...
	StuckSamples     int     // ...for this many samples

	Battery      physic.ElectricPotential // voltage at start
	BatteryFloor physic.ElectricPotential // brown-out voltage, the drain stops here
	BatteryDrain physic.ElectricPotential // per 24h
}

// Defaults returns a temperate indoor-outdoor profile with rare faults.
func Defaults() Config {
	return Config{
		Mean:             physic.ZeroCelsius + 18*physic.Kelvin,
		Amplitude:        6 * physic.Kelvin,
		Period:           24 * time.Hour,
		Humidity:         55 * physic.PercentRH,
		HumiditySwing:    15 * physic.PercentRH,
		Pressure:         101325 * physic.Pascal,
		PressureDrift:    1500 * physic.Pascal,
		TemperatureNoise: 50 * physic.MilliKelvin,
		HumidityNoise:    3 * physic.MilliRH,
		PressureNoise:    3 * physic.Pascal,
		SpikeProbability: 0.001,
		StuckProbability: 0.0005,
		StuckSamples:     20,
		Battery:          4150 * physic.MilliVolt,
		BatteryFloor:     3300 * physic.MilliVolt,
		BatteryDrain:     20 * physic.MilliVolt,
	}
}

// Sample is one reading.
type Sample struct {
	Time        time.Time
	Temperature physic.Temperature
	Humidity    physic.RelativeHumidity
	Pressure    physic.Pressure
	Battery     physic.ElectricPotential
	Spike       bool // this temperature is a spike
	Stuck       bool // the sensor repeated its previous reading
}

// Source produces the readings of one sensor. It is not safe for concurrent use.
type Source struct {
	cfg   Config
	rng   *rand.Rand
	start time.Time
	prev  time.Time
	drift float64 // Pa, Ornstein-Uhlenbeck around zero
	stuck int     // samples left to repeat
	last  Sample
	any   bool
}

// New returns a Source; seed selects the noise and fault sequence.
func New(cfg Config, seed uint64) *Source {
	if cfg.Period <= 0 {
		cfg.Period = 24 * time.Hour
	}
	return &Source{cfg: cfg, rng: rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))}
}

// driftTau is how fast the weather forgets: barometric pressure wanders over hours.
const driftTau = 6 * time.Hour

// At returns the reading at t. Times should not go backwards; the drift ignores a step back.
func (s *Source) At(t time.Time) Sample {
	if !s.any {
		s.start, s.prev = t, t
	}
	s.stepDrift(t)

	if s.any && s.stuck > 0 {
		s.stuck--
		out := s.last
		out.Time, out.Stuck, out.Battery = t, true, s.battery(t)
		return out
	}
	if s.any && s.cfg.StuckSamples > 0 && s.rng.Float64() < s.cfg.StuckProbability {
		s.stuck = s.cfg.StuckSamples - 1
		out := s.last
		out.Time, out.Stuck, out.Battery = t, true, s.battery(t)
		return out
	}

	c := s.Cycle(t)
	temp := float64(s.cfg.Mean) + c*float64(s.cfg.Amplitude) + s.rng.NormFloat64()*float64(s.cfg.TemperatureNoise)
	out := Sample{Time: t}
	if s.cfg.SpikeProbability > 0 && s.rng.Float64() < s.cfg.SpikeProbability {
		jump := (5 + 10*s.rng.Float64()) * float64(physic.Kelvin)
		if s.rng.IntN(2) == 0 {
			jump = -jump
		}
		temp += jump
		out.Spike = true
	}
	out.Temperature = physic.Temperature(temp)

	hum := float64(s.cfg.Humidity) - c*float64(s.cfg.HumiditySwing) + s.rng.NormFloat64()*float64(s.cfg.HumidityNoise)
	out.Humidity = physic.RelativeHumidity(math.Min(math.Max(hum, 0), float64(100*physic.PercentRH)))

	press := float64(s.cfg.Pressure) + s.drift + s.rng.NormFloat64()*float64(s.cfg.PressureNoise)
	out.Pressure = physic.Pressure(press)
	out.Battery = s.battery(t)

	s.last, s.any = out, true
	return out
}

// Cycle is the daily cycle at t in [-1, 1], warmest (+1) at 15:00 of each period (with
// Phase zero and a 24h Period) and coldest at 03:00.
func (s *Source) Cycle(t time.Time) float64 {
	p := float64((t.UnixNano()+int64(s.cfg.Phase))%int64(s.cfg.Period)) / float64(s.cfg.Period)
	return math.Sin(2 * math.Pi * (p - 0.375)) // sin peaks at 0.25; 0.375+0.25 = 0.625 = 15:00
}

func (s *Source) stepDrift(t time.Time) {
	dt := t.Sub(s.prev)
	if dt <= 0 || s.cfg.PressureDrift <= 0 {
		return
	}
	s.prev = t
	bound := float64(s.cfg.PressureDrift)
	// Stationary deviation bound/3, so the walk stays inside the bound almost always.
	k := dt.Seconds() / driftTau.Seconds()
	sigma := bound / 3 * math.Sqrt(2*k)
	s.drift += -s.drift*k + sigma*s.rng.NormFloat64()
	s.drift = math.Min(math.Max(s.drift, -bound), bound)
}

func (s *Source) battery(t time.Time) physic.ElectricPotential {
	used := float64(s.cfg.BatteryDrain) * t.Sub(s.start).Hours() / 24
	return max(s.cfg.Battery-physic.ElectricPotential(used), s.cfg.BatteryFloor)
}
