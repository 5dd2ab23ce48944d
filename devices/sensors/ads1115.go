package sensors

import (
	"errors"
	"fmt"
	"math"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/devices/v3/ads1x15"
)

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

func openADS1115(c Config, hw Hardware) (sensor, error) {
	bus, err := hw.OpenI2C(c.I2CBus)
	if err != nil {
		return nil, err
	}
	dev, err := ads1x15.NewADS1115(bus, &ads1x15.Opts{I2cAddress: c.Address})
	if err != nil {
		return nil, errors.Join(err, bus.Close())
	}
	s := &ads1115Sensor{bus: bus, chs: c.Channels}
	for _, ch := range c.Channels {
		gain, ok := gainOf(ch.Gain)
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
func (s *ads1115Sensor) read() (sample, error) {
	data := make(map[string]any, len(s.chs))
	values := make(map[string]any, 2*len(s.chs))
	for i, ch := range s.chs {
		v, err := s.pins[i].Read()
		if err != nil {
			return sample{}, fmt.Errorf("channel %q: %w", ch.Name, err)
		}
		vv := volts(v.V)
		value := round(vv*ch.Scale+ch.Offset, 6)
		data[ch.Name] = map[string]any{"value": value, "unit": ch.Unit, "volts": vv}
		values[ch.Name+"_"+ch.Unit] = value
		if ch.Unit != "V" {
			values[ch.Name+"_volts"] = vv
		}
	}
	return sample{data: data, values: values}, nil
}

func (s *ads1115Sensor) close() error { return s.bus.Close() }
