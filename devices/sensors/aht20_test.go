package sensors

import (
	"math"
	"strings"
	"testing"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2ctest"
)

// AHT20 traffic as periph's aht20 driver exchanges it, at the chip's fixed
// address 0x38.
var (
	aht20Calibrated   = i2ctest.IO{Addr: 0x38, W: []byte{0x71}, R: []byte{0x18}} // status: calibrated, idle
	aht20Uncalibrated = i2ctest.IO{Addr: 0x38, W: []byte{0x71}, R: []byte{0x10}}
	aht20Initialize   = i2ctest.IO{Addr: 0x38, W: []byte{0xbe, 0x08, 0x00}}
	aht20Trigger      = i2ctest.IO{Addr: 0x38, W: []byte{0xac, 0x33, 0x00}}
)

// aht20Frame is the 7-byte answer to a read after a trigger: status,
// 20-bit humidity (rh/100 × 2²⁰), 20-bit temperature ((t+50)/200 × 2²⁰)
// sharing the middle byte, and the CRC of the six.
func aht20Frame(status byte, tempC, rh float64) i2ctest.IO {
	h := uint32(math.Round(rh / 100 * (1 << 20)))
	tr := uint32(math.Round((tempC + 50) / 200 * (1 << 20)))
	b := []byte{status, byte(h >> 12), byte(h >> 4), byte(h<<4) | byte(tr>>16&0x0f), byte(tr >> 8), byte(tr)}
	return i2ctest.IO{Addr: 0x38, R: append(b, sensirionCRC8(b))}
}

// TestAHT20 reads through periph's aht20 driver over a playback I²C bus.
func TestAHT20(t *testing.T) {
	corrupt := aht20Frame(0x18, 21.53, 48.2)
	corrupt.R[2] ^= 0x10
	tests := []struct {
		name     string
		ops      []i2ctest.IO
		wantT    float64
		wantRH   float64
		wantErrs string
	}{
		{
			name:   "room",
			ops:    []i2ctest.IO{aht20Calibrated, aht20Trigger, aht20Frame(0x18, 21.53, 48.2)},
			wantT:  21.53,
			wantRH: 48.2,
		},
		{
			name:   "uncalibrated chip is initialised first, below zero",
			ops:    []i2ctest.IO{aht20Uncalibrated, aht20Initialize, aht20Trigger, aht20Frame(0x1c, -10.25, 12.5)},
			wantT:  -10.25,
			wantRH: 12.5,
		},
		{
			name:   "busy once, then ready; edges of the range",
			ops:    []i2ctest.IO{aht20Calibrated, aht20Trigger, aht20Frame(0x98, 0, 0), aht20Frame(0x18, -40, 0)},
			wantT:  -40,
			wantRH: 0,
		},
		{
			name:   "hot and humid",
			ops:    []i2ctest.IO{aht20Calibrated, aht20Trigger, aht20Frame(0x18, 85, 99.9)},
			wantT:  85,
			wantRH: 99.9,
		},
		{
			name:     "CRC mismatch is a read error",
			ops:      []i2ctest.IO{aht20Calibrated, aht20Trigger, corrupt},
			wantErrs: "CRC8 hashes did not match",
		},
		{
			name:     "chip lost its calibration",
			ops:      []i2ctest.IO{aht20Calibrated, aht20Trigger, aht20Frame(0x10, 20, 50)},
			wantErrs: "not initialized",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bus := &i2ctest.Playback{Ops: tt.ops, DontPanic: true}
			got, err := readSensor(Config{Name: "hut", Type: "aht20", Driver: &AHT20Config{I2CConfig{Bus: "1"}}}, &testHW{i2c: map[string]i2c.BusCloser{"1": bus}})
			if err := bus.Close(); err != nil {
				t.Errorf("traffic: %v", err)
			}
			if tt.wantErrs != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrs) {
					t.Fatalf("got %v, %v; want error %q", got, err, tt.wantErrs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got["temperature_c"] != tt.wantT || got["humidity_pct"] != tt.wantRH {
				t.Errorf("got %v, want temperature_c %v, humidity_pct %v", got, tt.wantT, tt.wantRH)
			}
		})
	}
}
