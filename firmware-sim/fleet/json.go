package fleet

import (
	"encoding/json"
	"math"

	"periph.io/x/conn/v3/physic"
)

// jsonReading is the JSON payload, about 110 bytes:
// {"device":"node-0001","seq":42,"ts":1732770000123,"temperature":21.53,"humidity":48.2,"pressure":101325,"battery":3.71}
type jsonReading struct {
	Device      string  `json:"device"`
	Seq         uint64  `json:"seq"`
	TS          int64   `json:"ts"`          // Unix milliseconds
	Temperature float64 `json:"temperature"` // °C, 0.01
	Humidity    float64 `json:"humidity"`    // %RH, 0.1
	Pressure    float64 `json:"pressure"`    // Pa, 1
	Battery     float64 `json:"battery"`     // V, 0.01
}

func encodeJSON(device string, r reading) []byte {
	s := r.sample
	b, _ := json.Marshal(jsonReading{ // cannot fail: no maps, no NaN (values are rounded finite numbers)
		Device:      device,
		Seq:         r.seq,
		TS:          s.Time.UnixMilli(),
		Temperature: round(s.Temperature.Celsius(), 100),
		Humidity:    round(float64(s.Humidity)/float64(physic.PercentRH), 10),
		Pressure:    round(float64(s.Pressure)/float64(physic.Pascal), 1),
		Battery:     round(float64(s.Battery)/float64(physic.Volt), 100),
	})
	return b
}

func round(v, scale float64) float64 { return math.Round(v*scale) / scale }
