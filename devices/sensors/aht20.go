package sensors

import (
	"errors"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/devices/v3/aht20"
)

var aht20Chip = i2cChip{name: "aht20", addrs: []uint16{0x38}}

// AHT20Config is an AHT20's settings.
type AHT20Config struct {
	I2CConfig `yaml:",inline"`
}

func init() {
	RegisterDriver(DriverType{
		Name:      "aht20",
		NewConfig: func() DriverConfig { return new(AHT20Config) },
		Open: func(cfg DriverConfig, env Env) (Device, error) {
			return openAHT20(*cfg.(*AHT20Config), env)
		},
	})
}

// Validate reports an address other than the chip's.
func (c *AHT20Config) Validate() error {
	var errs settingErrors
	c.I2CConfig.check(&errs, aht20Chip)
	return errs.err()
}

// aht20Sensor is an Aosong AHT20 (temperature, humidity). Its address is
// fixed at 0x38.
type aht20Sensor struct {
	dev *aht20.Dev
	bus i2c.BusCloser
}

func openAHT20(c AHT20Config, env Env) (Device, error) {
	bus, err := env.Hardware.OpenI2C(c.I2CConfig.Bus)
	if err != nil {
		return nil, err
	}
	dev, err := aht20.NewI2C(bus, nil)
	if err != nil {
		return nil, errors.Join(err, bus.Close())
	}
	return &aht20Sensor{dev: dev, bus: bus}, nil
}

func (s *aht20Sensor) Read() (Sample, error) {
	var e physic.Env
	if err := s.dev.Sense(&e); err != nil {
		return Sample{}, err
	}
	return flatSample(map[string]any{
		"temperature_c": celsius(e.Temperature),
		"humidity_pct":  percentRH(e.Humidity),
	}), nil
}

func (s *aht20Sensor) Close() error { return errors.Join(s.dev.Halt(), s.bus.Close()) }
