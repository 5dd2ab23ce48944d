package sensors

import (
	"errors"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/devices/v3/aht20"
)

// aht20Sensor is an Aosong AHT20 (temperature, humidity). Its address is
// fixed at 0x38.
type aht20Sensor struct {
	dev *aht20.Dev
	bus i2c.BusCloser
}

func openAHT20(c Config, hw Hardware) (sensor, error) {
	bus, err := hw.OpenI2C(c.I2CBus)
	if err != nil {
		return nil, err
	}
	dev, err := aht20.NewI2C(bus, nil)
	if err != nil {
		return nil, errors.Join(err, bus.Close())
	}
	return &aht20Sensor{dev: dev, bus: bus}, nil
}

func (s *aht20Sensor) read() (sample, error) {
	var e physic.Env
	if err := s.dev.Sense(&e); err != nil {
		return sample{}, err
	}
	return flatSample(map[string]any{
		"temperature_c": celsius(e.Temperature),
		"humidity_pct":  percentRH(e.Humidity),
	}), nil
}

func (s *aht20Sensor) close() error { return errors.Join(s.dev.Halt(), s.bus.Close()) }
