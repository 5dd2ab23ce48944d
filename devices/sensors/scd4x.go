package sensors

import (
	"errors"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/devices/v3/scd4x"
)

var scd4xChip = i2cChip{name: "scd4x", addrs: []uint16{0x62}}

// SCD4xConfig is an SCD40's or SCD41's settings.
type SCD4xConfig struct {
	I2CConfig `yaml:",inline"`
}

func init() {
	RegisterDriver(DriverType{
		Name:      "scd4x",
		NewConfig: func() DriverConfig { return new(SCD4xConfig) },
		Open: func(cfg DriverConfig, env Env) (Device, error) {
			return openSCD4x(*cfg.(*SCD4xConfig), env)
		},
	})
}

// Validate reports an address other than the chip's.
func (c *SCD4xConfig) Validate() error {
	var errs settingErrors
	c.I2CConfig.check(&errs, scd4xChip)
	return errs.err()
}

// scd4xSensor is a Sensirion SCD40/SCD41 (CO₂, temperature, humidity) in
// periodic measurement mode: the chip measures every 5 s by itself and a read
// takes the latest, so intervals under 5 s block until the next one.
type scd4xSensor struct {
	dev *scd4x.Dev
	bus i2c.BusCloser
}

func openSCD4x(c SCD4xConfig, env Env) (Device, error) {
	bus, err := env.Hardware.OpenI2C(c.I2CConfig.Bus)
	if err != nil {
		return nil, err
	}
	dev, err := scd4x.NewI2C(bus, c.address(scd4xChip))
	if err != nil {
		return nil, errors.Join(err, bus.Close())
	}
	return &scd4xSensor{dev: dev, bus: bus}, nil
}

func (s *scd4xSensor) Read() (Sample, error) {
	var e scd4x.Env
	if err := s.dev.Sense(&e); err != nil {
		return Sample{}, err
	}
	return flatSample(map[string]any{
		"co2_ppm":       int(e.CO2),
		"temperature_c": celsius(e.Temperature),
		"humidity_pct":  percentRH(e.Humidity),
	}), nil
}

func (s *scd4xSensor) Close() error { return errors.Join(s.dev.Halt(), s.bus.Close()) }
