package bme280_test

import (
	"fmt"
	"log"

	"periph.io/x/conn/v3/physic"
	"periph.io/x/devices/v3/bmxx80"

	"github.com/tidegate/tidegate/firmware-sim/chips/bme280"
)

func Example() {
	chip := bme280.New(0x76, bme280.Env{
		Temperature: physic.ZeroCelsius + 21*physic.Kelvin,
		Pressure:    101325 * physic.Pascal,
		Humidity:    45 * physic.PercentRH,
	})
	dev, err := bmxx80.NewI2C(chip, 0x76, &bmxx80.DefaultOpts)
	if err != nil {
		log.Fatal(err)
	}
	var env physic.Env
	if err := dev.Sense(&env); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%.2f°C %.0fPa %.1f%%RH\n", env.Temperature.Celsius(),
		float64(env.Pressure)/float64(physic.Pascal), float64(env.Humidity)/float64(physic.PercentRH))
	// Output: 21.00°C 101325Pa 45.0%RH
}
