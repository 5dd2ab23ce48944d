package sensors

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/onewire"
	"periph.io/x/conn/v3/onewire/onewiretest"
)

// ds18b20ROM is the probe every DS18B20 test talks to.
const ds18b20ROM = "28-00000a1b2c3c"

// ds18b20Chip writes the 1-Wire traffic periph's ds18b20 driver exchanges
// with one probe: every transaction is Match ROM (0x55 and the 8 ROM bytes,
// low byte first) followed by a function command.
type ds18b20Chip struct {
	rom [8]byte
}

func newDS18B20Chip(t testing.TB) ds18b20Chip {
	t.Helper()
	a, err := ParseOneWireAddress(ds18b20ROM)
	if err != nil {
		t.Fatal(err)
	}
	var c ds18b20Chip
	for i := range c.rom {
		c.rom[i] = byte(a >> (8 * i))
	}
	return c
}

func (c ds18b20Chip) match(cmd ...byte) []byte {
	return append(append([]byte{0x55}, c.rom[:]...), cmd...)
}

// scratchpad is the 9 bytes Read Scratchpad returns: temperature (LSB
// first, 1/16 °C), TH, TL, configuration (resolution in bits 5–6), three
// reserved bytes and the CRC.
func scratchpad(raw int16, bits int) []byte {
	b := []byte{byte(raw), byte(uint16(raw) >> 8), 0x4b, 0x46, byte(bits-9)<<5 | 0x1f, 0xff, 0x0c, 0x10}
	return append(b, dallasCRC8(b))
}

// open is what ds18b20.New sends: read the scratchpad for the resolution,
// and if the chip is set differently, write it (Write Scratchpad, then Copy
// Scratchpad under strong pull-up).
func (c ds18b20Chip) open(chipBits, wantBits int) []onewiretest.IO {
	ops := []onewiretest.IO{{W: c.match(0xbe), R: scratchpad(0x0550, chipBits)}}
	if chipBits != wantBits {
		ops = append(ops,
			onewiretest.IO{W: c.match(0x4e, 0, 0, byte(wantBits-9)<<5|0x1f)},
			onewiretest.IO{W: c.match(0x48), Pull: onewire.StrongPullup},
		)
	}
	return ops
}

// sense is one Dev.Sense: Convert T under strong pull-up, then Read
// Scratchpad with pad as the answer.
func (c ds18b20Chip) sense(pad []byte) []onewiretest.IO {
	return []onewiretest.IO{
		{W: c.match(0x44), Pull: onewire.StrongPullup},
		{W: c.match(0xbe), R: pad},
	}
}

// TestDS18B20 reads through periph's ds18b20 driver over a playback 1-Wire
// bus. Each case waits out the driver's real conversion time (94 ms at 9
// bits, 752 ms at 12), so the cases run in parallel.
func TestDS18B20(t *testing.T) {
	chip := newDS18B20Chip(t)
	corrupt := scratchpad(0x0191, 12)
	corrupt[0] ^= 0x04 // a bit flipped on the wire: CRC no longer matches
	allOnes := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	join := func(parts ...[]onewiretest.IO) []onewiretest.IO {
		var ops []onewiretest.IO
		for _, p := range parts {
			ops = append(ops, p...)
		}
		return ops
	}
	tests := []struct {
		name       string
		resolution int // 0: the default, 12
		ops        []onewiretest.IO
		want       float64
		wantErr    string
	}{
		{
			name: "12-bit default, room temperature",
			ops:  join(chip.open(12, 12), chip.sense(scratchpad(0x0191, 12))),
			want: 25.0625,
		},
		{
			name: "12-bit, below zero",
			ops:  join(chip.open(12, 12), chip.sense(scratchpad(-162, 12))),
			want: -10.125,
		},
		{
			name:       "11-bit, just below zero",
			resolution: 11,
			ops:        join(chip.open(11, 11), chip.sense(scratchpad(-4, 11))),
			want:       -0.25,
		},
		{
			name:       "9-bit on a chip set to 12 is reconfigured, bottom of range",
			resolution: 9,
			ops:        join(chip.open(12, 9), chip.sense(scratchpad(-880, 9))),
			want:       -55,
		},
		{
			name:       "9-bit, top of range",
			resolution: 9,
			ops:        join(chip.open(9, 9), chip.sense(scratchpad(2000, 9))),
			want:       125,
		},
		{
			name:       "the power-on value is not a reading",
			resolution: 9,
			ops:        join(chip.open(9, 9), chip.sense(scratchpad(0x0550, 9))),
			wantErr:    "power-on reset value",
		},
		{
			name:       "scratchpad CRC error",
			resolution: 9,
			ops:        join(chip.open(9, 9), chip.sense(corrupt)),
			wantErr:    "incorrect scratchpad CRC",
		},
		{
			name:       "nobody answers",
			resolution: 9,
			ops:        []onewiretest.IO{{W: chip.match(0xbe), R: allOnes}},
			wantErr:    "did not respond",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bus := &onewiretest.Playback{Ops: tt.ops, DontPanic: true}
			cfg := Config{Name: "tank", Type: "ds18b20", Driver: &DS18B20Config{OneWireAddress: ds18b20ROM, Resolution: tt.resolution}}
			got, err := readSensor(cfg, &testHW{onewire: map[string]onewire.BusCloser{"": bus}})
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
			if len(got) != 1 || got["temperature_c"] != tt.want {
				t.Errorf("got %v, want temperature_c %v", got, tt.want)
			}
		})
	}
}

// readSensor opens cfg, reads once and closes, returning the record's data
// as JSON decodes it, or the open or read error. Unlike readOnce it hands
// the error back, for tests that check which one it is.
func readSensor(cfg Config, hw *testHW) (map[string]any, error) {
	cfg.Stream, cfg.Interval = "sensors", time.Second
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s, err := open(cfg, hw.env(realClock{}))
	if err != nil {
		return nil, err
	}
	defer s.Close()
	smp, err := s.Read()
	if err != nil {
		return nil, err
	}
	r, err := smp.reading(cfg.Name, time.Now())
	if err != nil {
		return nil, err
	}
	var got map[string]any
	return got, json.Unmarshal(r.Data, &got)
}

// TestPollerDS18B20CRCErrorBacksOff runs the poller on a probe whose first
// scratchpad arrives corrupted: that poll fails, the poller reopens the
// probe after the first backoff and the next reading goes through.
func TestPollerDS18B20CRCErrorBacksOff(t *testing.T) {
	chip := newDS18B20Chip(t)
	corrupt := scratchpad(-162, 9)
	corrupt[8] ^= 0xff
	var ops []onewiretest.IO
	ops = append(ops, chip.open(9, 9)...)
	ops = append(ops, chip.sense(corrupt)...)
	ops = append(ops, chip.open(9, 9)...)
	ops = append(ops, chip.sense(scratchpad(-162, 9))...)
	bus := &onewiretest.Playback{Ops: ops, DontPanic: true}

	rec := newRecorder()
	p, err := New([]Config{{Name: "tank", Type: "ds18b20", Driver: &DS18B20Config{OneWireAddress: ds18b20ROM, Resolution: 9}, Interval: time.Hour, Stream: "sensors"}}, Deps{
		Emit: rec.emit, Status: rec.onStatus, Backoff: rec.backoff, Clock: fastClock{}, OfflineAfter: 1,
		Hardware: &testHW{onewire: map[string]onewire.BusCloser{"": bus}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "a reading after the failure", func() bool { return len(rec.readings["tank"]) > 0 })
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := bus.Close(); err != nil {
		t.Errorf("traffic: %v", err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.backoffs) != 1 || rec.backoffs[0] != time.Second {
		t.Errorf("backoffs %v, want one of 1s", rec.backoffs)
	}
	if len(rec.status) != 2 || rec.status[0].online || rec.status[1].online != true {
		t.Fatalf("statuses %+v, want offline then online", rec.status)
	}
	if err := rec.status[0].err; err == nil || !strings.Contains(err.Error(), "incorrect scratchpad CRC") {
		t.Errorf("offline because of %v, want the scratchpad CRC error", err)
	}
	if r := rec.readings["tank"]; len(r) != 1 || string(r[0].Data) != `{"temperature_c":-10.125}` {
		t.Errorf("readings %v, want one of -10.125 °C", r)
	}
}

// FuzzParseOneWireAddress: any string either fails cleanly or yields a
// DS18B20-family address with a valid CRC that reads back the same from both
// spellings the config accepts.
func FuzzParseOneWireAddress(f *testing.F) {
	for _, s := range []string{
		ds18b20ROM, "0x3c0000000a1b2c28", "0xF40000000A1B2C28", "10-000801b5a2e1", "22-", "-", "28-00000a1b2c3c-",
		"0x000000000000a328", "0x0x00000000000028", "28-+0000a1b2c3c", "+28-00000a1b2c3c", "İ0000000000000028", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseOneWireAddress(s)
		if err != nil {
			if a != 0 {
				t.Errorf("%q: error %v with address %#x", s, err, uint64(a))
			}
			return
		}
		var b [8]byte
		for i := range b {
			b[i] = byte(a >> (8 * i))
		}
		if dallasCRC8(b[:7]) != b[7] {
			t.Errorf("%q: accepted %#016x with a bad CRC", s, uint64(a))
		}
		if _, ok := ds18b20Families[b[0]]; !ok {
			t.Errorf("%q: accepted family %#02x", s, b[0])
		}
		for _, spelled := range []string{
			fmt.Sprintf("0x%016x", uint64(a)),
			fmt.Sprintf("%016X", uint64(a)),
			fmt.Sprintf("%02x-%012x", b[0], uint64(a)>>8&(1<<48-1)),
		} {
			if back, err := ParseOneWireAddress(spelled); err != nil || back != a {
				t.Errorf("%q → %#016x; %q → %#016x, %v", s, uint64(a), spelled, uint64(back), err)
			}
		}
	})
}
