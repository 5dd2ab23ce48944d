package sensors

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/devices/v3/ads1x15"
)

var ads1115Chip = i2cChip{name: "ads1115", addrs: []uint16{0x48, 0x49, 0x4a, 0x4b}}

// ADS1115Config is an ADS1115 ADC's settings: where it sits and the inputs
// to read.
type ADS1115Config struct {
	I2CConfig `yaml:",inline"`
	// Channels are the inputs to read, at least one.
	Channels []Channel `yaml:"channels"`
}

// Channel is one ADS1115 input scaled to engineering units:
// value = volts × Scale + Offset.
type Channel struct {
	Name string `yaml:"name"`
	// Input is "0".."3" (against GND) or "0-1", "0-3", "1-3", "2-3".
	Input string `yaml:"input"`
	// Gain is the full-scale range in volts: 6.144, 4.096 (default), 2.048,
	// 1.024, 0.512 or 0.256.
	Gain float64 `yaml:"gain"`
	// Scale multiplies volts; 0 means 1.
	Scale  float64 `yaml:"scale"`
	Offset float64 `yaml:"offset"`
	// Unit names the scaled value ("bar"); default "V".
	Unit string `yaml:"unit"`
}

func init() {
	RegisterDriver(DriverType{
		Name:      "ads1115",
		NewConfig: func() DriverConfig { return new(ADS1115Config) },
		Open: func(cfg DriverConfig, env Env) (Device, error) {
			return openADS1115(*cfg.(*ADS1115Config), env)
		},
	})
}

// ads1115Gains are the full-scale ranges the ADS1115's PGA supports.
var ads1115Gains = []float64{6.144, 4.096, 2.048, 1.024, 0.512, 0.256}

var ads1115Inputs = []string{"0", "1", "2", "3", "0-1", "0-3", "1-3", "2-3"}

func (ch Channel) gain() float64 {
	if ch.Gain == 0 {
		return 4.096
	}
	return ch.Gain
}

func (ch Channel) scale() float64 {
	if ch.Scale == 0 {
		return 1
	}
	return ch.Scale
}

func (ch Channel) unit() string {
	if ch.Unit == "" {
		return "V"
	}
	return ch.Unit
}

// Validate reports an address the chip does not answer on and every bad
// channel.
func (c *ADS1115Config) Validate() error {
	var errs settingErrors
	c.I2CConfig.check(&errs, ads1115Chip)
	if len(c.Channels) == 0 {
		errs.add("channels", "an ads1115 needs at least one channel")
	}
	seen := map[string]int{}
	for i, ch := range c.Channels {
		key := fmt.Sprintf("channels[%d]", i)
		if ch.Name == "" {
			errs.add(key, "name is required")
		} else if j, dup := seen[ch.Name]; dup {
			errs.add(key, "duplicate name %q: channels[%d] has it", ch.Name, j)
		} else {
			seen[ch.Name] = i
		}
		if !slices.Contains(ads1115Inputs, ch.Input) {
			errs.add(key, "input %q: want one of %v", ch.Input, ads1115Inputs)
		}
		if _, ok := gainOf(ch.gain()); !ok {
			errs.add(key, "gain %gV is not an ADS1115 range (want one of %v volts)", ch.Gain, ads1115Gains)
		}
		if math.IsNaN(ch.Scale) || math.IsInf(ch.Scale, 0) || math.IsNaN(ch.Offset) || math.IsInf(ch.Offset, 0) {
			errs.add(key, "scale and offset must be finite")
		}
	}
	return errs.err()
}

// ads1115Rate is the conversion rate asked of the chip: its default, slow
// enough to average out mains hum, fast enough (7.8 ms) for any poll.
const ads1115Rate = 128 * physic.Hertz

var ads1115Channels = map[string]ads1x15.Channel{
	"0": ads1x15.Channel0, "1": ads1x15.Channel1, "2": ads1x15.Channel2, "3": ads1x15.Channel3,
	"0-1": ads1x15.Channel0Minus1, "0-3": ads1x15.Channel0Minus3,
	"1-3": ads1x15.Channel1Minus3, "2-3": ads1x15.Channel2Minus3,
}

// gainOf returns the full-scale potential for a gain written in volts, if the
// ADS1115's PGA has that range.
func gainOf(v float64) (physic.ElectricPotential, bool) {
	for _, g := range ads1115Gains {
		if math.Abs(v-g) < 1e-9 {
			return physic.ElectricPotential(math.Round(g*1000)) * physic.MilliVolt, true
		}
	}
	return 0, false
}

// ads1115Sensor reads each configured input in turn (single-shot) and scales
// it to engineering units.
type ads1115Sensor struct {
	bus  i2c.BusCloser
	pins []ads1x15.PinADC
	chs  []Channel
}

func openADS1115(c ADS1115Config, env Env) (Device, error) {
	bus, err := env.Hardware.OpenI2C(c.I2CConfig.Bus)
	if err != nil {
		return nil, err
	}
	dev, err := ads1x15.NewADS1115(bus, &ads1x15.Opts{I2cAddress: c.address(ads1115Chip)})
	if err != nil {
		return nil, errors.Join(err, bus.Close())
	}
	s := &ads1115Sensor{bus: bus, chs: c.Channels}
	for _, ch := range c.Channels {
		gain, ok := gainOf(ch.gain())
		in, ok2 := ads1115Channels[ch.Input]
		if !ok || !ok2 {
			return nil, errors.Join(fmt.Errorf("channel %q: bad gain or input", ch.Name), bus.Close())
		}
		p, err := dev.PinForChannel(in, gain, ads1115Rate, ads1x15.BestQuality)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("channel %q: %w", ch.Name, err), bus.Close())
		}
		s.pins = append(s.pins, p)
	}
	return s, nil
}

// read returns {"<name>":{"value":…,"unit":…,"volts":…}} as data and
// <name>_<unit> and <name>_volts as flat values.
func (s *ads1115Sensor) Read() (Sample, error) {
	data := make(map[string]any, len(s.chs))
	values := make(map[string]any, 2*len(s.chs))
	for i, ch := range s.chs {
		v, err := s.pins[i].Read()
		if err != nil {
			return Sample{}, fmt.Errorf("channel %q: %w", ch.Name, err)
		}
		vv := volts(v.V)
		value := round(vv*ch.scale()+ch.Offset, 6)
		data[ch.Name] = map[string]any{"value": value, "unit": ch.unit(), "volts": vv}
		values[ch.Name+"_"+ch.unit()] = value
		if ch.unit() != "V" {
			values[ch.Name+"_volts"] = vv
		}
	}
	return Sample{Data: data, Values: values}, nil
}

func (s *ads1115Sensor) Close() error { return s.bus.Close() }
