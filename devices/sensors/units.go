package sensors

import (
	"math"

	"periph.io/x/conn/v3/physic"
)

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
