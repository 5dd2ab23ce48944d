package sensors

import (
	"errors"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/devices/v3/scd4x"
)

// scd4xSensor is a Sensirion SCD40/SCD41 (CO₂, temperature, humidity) in
// periodic measurement mode: the chip measures every 5 s by itself and a read
// takes the latest, so intervals under 5 s block until the next one.
type scd4xSensor struct {
	dev *scd4x.Dev
	bus i2c.BusCloser
}

func openSCD4x(c Config, hw Hardware) (sensor, error) {
	bus, err := hw.OpenI2C(c.I2CBus)
	if err != nil {
		return nil, err
	}
	dev, err := scd4x.NewI2C(bus, c.Address)
	if err != nil {
		return nil, errors.Join(err, bus.Close())
	}
	return &scd4xSensor{dev: dev, bus: bus}, nil
}

func (s *scd4xSensor) read() (sample, error) {
	var e scd4x.Env
	if err := s.dev.Sense(&e); err != nil {
		return sample{}, err
	}
	return flatSample(map[string]any{
		"co2_ppm":       int(e.CO2),
		"temperature_c": celsius(e.Temperature),
		"humidity_pct":  percentRH(e.Humidity),
	}), nil
}

func (s *scd4xSensor) close() error { return errors.Join(s.dev.Halt(), s.bus.Close()) }
