package sensors

import (
	"math"
	"strings"
	"testing"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2ctest"
)

// scd4xWords is a Sensirion answer: each 16-bit word big-endian, then its
// CRC-8.
func scd4xWords(words ...uint16) []byte {
	var b []byte
	for _, w := range words {
		pair := []byte{byte(w >> 8), byte(w)}
		b = append(b, pair[0], pair[1], sensirionCRC8(pair))
	}
	return b
}

// scd4xOpen is what scd4x.NewI2C sends: wake_up, then
// start_periodic_measurement. scd4xStop is the stop_periodic_measurement
// Halt sends on close.
var (
	scd4xOpen = []i2ctest.IO{
		{Addr: 0x62, W: []byte{0x36, 0xf6}},
		{Addr: 0x62, W: []byte{0x21, 0xb1}},
	}
	scd4xStop = i2ctest.IO{Addr: 0x62, W: []byte{0x3f, 0x86}}
)

// scd4xMeasurement is one Sense: get_data_ready_status answering ready,
// then read_measurement with CO₂ in ppm, temperature as
// (t+45)/175 × 65535 and humidity as rh/100 × 65535.
func scd4xMeasurement(co2 uint16, tempC, rh float64) []i2ctest.IO {
	return []i2ctest.IO{
		{Addr: 0x62, W: []byte{0xe4, 0xb8}, R: scd4xWords(0x8006)},
		{Addr: 0x62, W: []byte{0xec, 0x05}, R: scd4xWords(
			co2,
			uint16(math.Round((tempC+45)/175*65535)),
			uint16(math.Round(rh/100*65535)),
		)},
	}
}

// TestSCD4x reads through periph's scd4x driver over a playback I²C bus.
// NewI2C starts periodic measurement, so Sense never takes the driver's 5 s
// first-start sleep; each case still waits the driver's real 50 ms after
// wake-up and 550 ms after stop on close, so the cases run in parallel.
func TestSCD4x(t *testing.T) {
	join := func(parts ...[]i2ctest.IO) []i2ctest.IO {
		var ops []i2ctest.IO
		for _, p := range parts {
			ops = append(ops, p...)
		}
		return ops
	}
	stop := []i2ctest.IO{scd4xStop}
	corrupt := scd4xMeasurement(412, 21.53, 48.2)
	corrupt[1].R[4] ^= 0x01 // temperature word's low byte
	tests := []struct {
		name    string
		ops     []i2ctest.IO
		want    map[string]any
		wantErr string
	}{
		{
			name: "fresh air indoors",
			ops:  join(scd4xOpen, scd4xMeasurement(412, 21.53, 48.2), stop),
			want: map[string]any{"co2_ppm": 412.0, "temperature_c": 21.53, "humidity_pct": 48.2},
		},
		{
			name: "stuffy and cold",
			ops:  join(scd4xOpen, scd4xMeasurement(1850, -5.25, 80), stop),
			want: map[string]any{"co2_ppm": 1850.0, "temperature_c": -5.25, "humidity_pct": 80.0},
		},
		{
			name: "top of the CO₂ range, hot and dry",
			ops:  join(scd4xOpen, scd4xMeasurement(40000, 60, 0), stop),
			want: map[string]any{"co2_ppm": 40000.0, "temperature_c": 60.0, "humidity_pct": 0.0},
		},
		{
			name:    "CRC mismatch in read_measurement is a read error",
			ops:     join(scd4xOpen, corrupt, stop),
			wantErr: "invalid crc",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bus := &i2ctest.Playback{Ops: tt.ops, DontPanic: true}
			got, err := readSensor(Config{Name: "office", Type: "scd4x", Driver: &SCD4xConfig{I2CConfig{Bus: "1"}}}, &testHW{i2c: map[string]i2c.BusCloser{"1": bus}})
			if err := bus.Close(); err != nil {
				t.Errorf("traffic: %v", err)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, w := range tt.want {
				if got[k] != w {
					t.Errorf("%s = %v, want %v", k, got[k], w)
				}
			}
		})
	}
}
