package sensors

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"periph.io/x/conn/v3/physic"

	"github.com/tidegate/tidegate/devices/decode"
)

// sensor is one opened device. read may block for the chip's conversion
// time; close releases the bus or pin.
type sensor interface {
	read() (sample, error)
	close() error
}

// sample is what a driver measured: data is the record's JSON object, values
// the flat map for the device registry (the same as data unless data nests).
type sample struct {
	data   map[string]any
	values map[string]any
}

func flatSample(m map[string]any) sample { return sample{data: m, values: m} }

// reading turns s into the record the ingest takes.
func (s sample) reading(device string, at time.Time) (decode.Reading, error) {
	data, err := json.Marshal(s.data)
	if err != nil {
		return decode.Reading{}, fmt.Errorf("sensors: %s: encode reading: %w", device, err)
	}
	return decode.Reading{Device: device, Time: at, Data: data, Values: s.values}, nil
}

// open opens the hardware c names. c is validated and has its defaults.
func open(c Config, hw Hardware, clk Clock) (sensor, error) {
	var (
		s   sensor
		err error
	)
	switch c.Driver {
	case DriverBME280, DriverBMP280:
		s, err = openBMx280(c, hw)
	case DriverDS18B20:
		s, err = openDS18B20(c, hw)
	case DriverADS1115:
		s, err = openADS1115(c, hw)
	case DriverAHT20:
		s, err = openAHT20(c, hw)
	case DriverSCD4x:
		s, err = openSCD4x(c, hw)
	case DriverGPIO:
		s, err = openGPIO(c, hw, clk)
	default:
		err = fmt.Errorf("unknown driver %q", c.Driver)
	}
	if err != nil {
		return nil, fmt.Errorf("sensors: %s: open %s on %s: %w", c.Name, c.Driver, c.Bus, err)
	}
	return s, nil
}

// Unit conversions, rounded to the chips' resolution so records do not carry
// float noise (21.53, not 21.529999999999973).

func celsius(t physic.Temperature) float64 {
	return round(float64(t-physic.ZeroCelsius)/float64(physic.Celsius), 2)
}

func hectopascal(p physic.Pressure) float64 {
	return round(float64(p)/float64(100*physic.Pascal), 2)
}

func percentRH(h physic.RelativeHumidity) float64 {
	return round(float64(h)/float64(physic.PercentRH), 2)
}

func volts(v physic.ElectricPotential) float64 {
	return round(float64(v)/float64(physic.Volt), 6)
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}
