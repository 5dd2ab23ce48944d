package bme280

import "math"

// trimming holds the factory compensation parameters, as the datasheet names them.
type trimming struct {
	t1                             uint16
	t2, t3                         int16
	p1                             uint16
	p2, p3, p4, p5, p6, p7, p8, p9 int16
	h1                             uint8
	h2                             int16
	h3                             uint8
	h4, h5                         int16
	h6                             int8
}

// datasheetTrimming is the BMP280/BME280 datasheet's worked example (section 3.12 of the
// BMP280 datasheet) with humidity parameters read from a production BME280.
var datasheetTrimming = trimming{
	t1: 27504, t2: 26435, t3: -1000,
	p1: 36477, p2: -10685, p3: 3024, p4: 2855, p5: 140, p6: -7, p7: 15500, p8: -14600, p9: 6000,
	h1: 75, h2: 362, h3: 0, h4: 313, h5: 50, h6: 30,
}

// registers lays the parameters out as the chip stores them: 0x88..0xA1 and 0xE1..0xE7.
func (c *trimming) registers(regs *[256]byte) {
	le := func(at int, v uint16) { regs[at], regs[at+1] = byte(v), byte(v>>8) }
	le(0x88, c.t1)
	le(0x8A, uint16(c.t2))
	le(0x8C, uint16(c.t3))
	le(0x8E, c.p1)
	for i, p := range []int16{c.p2, c.p3, c.p4, c.p5, c.p6, c.p7, c.p8, c.p9} {
		le(0x90+2*i, uint16(p))
	}
	regs[0xA1] = c.h1
	le(0xE1, uint16(c.h2))
	regs[0xE3] = c.h3
	regs[0xE4] = byte(c.h4 >> 4)
	regs[0xE5] = byte(c.h4&0x0F) | byte(c.h5&0x0F)<<4
	regs[0xE6] = byte(c.h5 >> 4)
	regs[0xE7] = byte(c.h6)
}

// The three functions below are the datasheet's fixed-point compensation (section 4.2.3),
// the arithmetic every driver runs. The chip uses them to polish its inverted raw values so
// the driver lands on the nearest representable reading.

// temperature returns 0.01 °C and t_fine.
func (c *trimming) temperature(raw int32) (int32, int32) {
	x := ((raw>>3 - int32(c.t1)<<1) * int32(c.t2)) >> 11
	y := ((((raw>>4 - int32(c.t1)) * (raw>>4 - int32(c.t1))) >> 12) * int32(c.t3)) >> 14
	tFine := x + y
	return (tFine*5 + 128) >> 8, tFine
}

// pressure returns Q24.8 Pa.
func (c *trimming) pressure(raw, tFine int32) int64 {
	x := int64(tFine) - 128000
	y := x * x * int64(c.p6)
	y += (x * int64(c.p5)) << 17
	y += int64(c.p4) << 35
	x = (x*x*int64(c.p3))>>8 + ((x * int64(c.p2)) << 12)
	x = ((int64(1)<<47 + x) * int64(c.p1)) >> 33
	if x == 0 {
		return 0
	}
	p := ((((1048576 - int64(raw)) << 31) - y) * 3125) / x
	x = (int64(c.p9) * (p >> 13) * (p >> 13)) >> 25
	y = (int64(c.p8) * p) >> 19
	return ((p + x + y) >> 8) + (int64(c.p7) << 4)
}

// humidity returns Q22.10 %RH.
func (c *trimming) humidity(raw, tFine int32) int64 {
	x := tFine - 76800
	x1 := raw<<14 - int32(c.h4)<<20 - int32(c.h5)*x
	x2 := (x1 + 16384) >> 15
	x3 := (x * int32(c.h6)) >> 10
	x4 := (x * int32(c.h3)) >> 11
	x5 := (x3 * (x4 + 32768)) >> 10
	x6 := ((x5+2097152)*int32(c.h2) + 8192) >> 14
	x = x2 * x6
	x = x - ((((x>>15)*(x>>15))>>7)*int32(c.h1))>>4
	if x < 0 {
		return 0
	}
	if x > 419430400 {
		return 419430400 >> 12
	}
	return int64(x >> 12)
}

// The inversions below solve the datasheet's floating-point compensation (section 8.1) for
// the raw value. Each is a quadratic; the fixed-point search then removes rounding.

// rawTemperature inverts t_fine = T3·u² + 8·T2·u with u = adc/2^17 − T1/2^13.
func (c *trimming) rawTemperature(celsius float64) int32 {
	tFine := celsius * 5120
	a, b := float64(c.t3), 8*float64(c.t2)
	u := tFine / b
	if a != 0 {
		u = (-b + math.Sqrt(b*b+4*a*tFine)) / (2 * a)
	}
	est := (u + float64(c.t1)/8192) * 131072
	want := int64(math.Round(celsius * 100))
	return polish(est, 0xFFFFF, want, func(raw int32) int64 { t, _ := c.temperature(raw); return int64(t) })
}

// rawPressure inverts P = p + (P9·p²/2^31 + P8·p/2^15 + P7)/16 for p, then
// p = (2^20 − adc − var2/4096)·6250/var1 for adc.
func (c *trimming) rawPressure(pascal float64, tFine int32) int32 {
	v1 := float64(tFine)/2 - 64000
	v2 := v1 * v1 * float64(c.p6) / 32768
	v2 += v1 * float64(c.p5) * 2
	v2 = v2/4 + float64(c.p4)*65536
	v1 = (float64(c.p3)*v1*v1/524288 + float64(c.p2)*v1) / 524288
	v1 = (1 + v1/32768) * float64(c.p1)
	a := float64(c.p9) / (16 * 2147483648)
	b := 1 + float64(c.p8)/(16*32768)
	k := float64(c.p7)/16 - pascal
	p := -k / b
	if a != 0 {
		p = (-b + math.Sqrt(b*b-4*a*k)) / (2 * a)
	}
	est := 1048576 - (p*v1/6250 + v2/4096)
	// Pressure falls as the count rises; negate both sides so polish sees a rising function.
	want := -int64(math.Round(pascal * 256))
	return polish(est, 0xFFFFF, want, func(raw int32) int64 { return -c.pressure(raw, tFine) })
}

// rawHumidity inverts H = v·(1 − H1·v/2^19), then
// v = (adc − (H4·64 + H5/2^14·x))·H2/2^16·(1 + H6/2^26·x·(1 + H3/2^26·x)) with x = t_fine − 76800.
func (c *trimming) rawHumidity(percent float64, tFine int32) int32 {
	a := float64(c.h1) / 524288
	v := percent
	if a != 0 && 1-4*a*percent >= 0 {
		v = (1 - math.Sqrt(1-4*a*percent)) / (2 * a)
	}
	x := float64(tFine) - 76800
	gain := float64(c.h2) / 65536 * (1 + float64(c.h6)/67108864*x*(1+float64(c.h3)/67108864*x))
	est := v/gain + float64(c.h4)*64 + float64(c.h5)/16384*x
	want := int64(math.Round(percent * 1024))
	return polish(est, 0xFFFF, want, func(raw int32) int64 { return c.humidity(raw, tFine) })
}

// polish searches the neighbourhood of the float estimate for the raw value whose fixed-point
// compensation is nearest to want; limit is the largest count the ADC produces.
func polish(est float64, limit int32, want int64, f func(int32) int64) int32 {
	const window = 256
	center := int32(math.Round(est))
	best, bestErr := min(max(center, 0), limit), int64(math.MaxInt64)
	for r := center - window; r <= center+window; r++ {
		if r < 0 || r > limit {
			continue
		}
		d := f(r) - want
		if d < 0 {
			d = -d
		}
		if d < bestErr {
			best, bestErr = r, d
		}
	}
	return best
}
