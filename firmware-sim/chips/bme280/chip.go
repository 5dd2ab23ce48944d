package bme280

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
)

// Sentinel errors returned by Tx.
var (
	// ErrNoAck is what a bus returns when nothing answers at the address.
	ErrNoAck = errors.New("bme280: no acknowledge")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("bme280: bus closed")
)

// ChipID is the value of register 0xD0 on a BME280.
const ChipID = 0x60

// Register addresses.
const (
	regCalib0   = 0x88
	regChipID   = 0xD0
	regReset    = 0xE0
	regCalib1   = 0xE1
	regCtrlHum  = 0xF2
	regStatus   = 0xF3
	regCtrlMeas = 0xF4
	regConfig   = 0xF5
	regData     = 0xF7

	resetWord     = 0xB6
	statusMeasure = 0x08
	maxSpeed      = 3400 * physic.KiloHertz
)

// Operating range from the datasheet; an environment outside it saturates.
var (
	minTemperature = physic.ZeroCelsius - 40*physic.Kelvin
	maxTemperature = physic.ZeroCelsius + 85*physic.Kelvin
	minPressure    = 300 * 100 * physic.Pascal
	maxPressure    = 1100 * 100 * physic.Pascal
)

// Env is what the emulated chip senses.
type Env struct {
	Temperature physic.Temperature
	Pressure    physic.Pressure
	Humidity    physic.RelativeHumidity
}

// Chip is an emulated BME280 on its own I2C bus. It is safe for concurrent use.
type Chip struct {
	addr uint16
	cal  trimming
	now  func() time.Time

	mu       sync.Mutex
	env      Env
	fail     error
	closed   bool
	regs     [256]byte
	ptr      byte
	ctrlHum  byte // written value, latched into the active setting by a ctrl_meas write
	hum      byte // active humidity oversampling
	since    time.Time
	done     int64 // conversions completed since since (normal mode)
	filtT    float64
	filtP    float64
	filtered bool
}

var _ i2c.BusCloser = (*Chip)(nil)

// New returns a powered-up BME280 answering at addr (0x76 or 0x77 on real boards; any
// 7-bit address is accepted) in sleep mode, sensing env.
func New(addr uint16, env Env) *Chip {
	c := &Chip{addr: addr, cal: datasheetTrimming, now: time.Now}
	c.reset()
	c.env = clampEnv(env)
	return c
}

// Set changes the environment; the next conversion measures it.
func (c *Chip) Set(env Env) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.env = clampEnv(env)
}

// Fail makes every Tx return err, as a sensor that has lost power or a broken wire would;
// Fail(nil) brings it back.
func (c *Chip) Fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fail = err
}

// String implements i2c.Bus.
func (c *Chip) String() string { return fmt.Sprintf("bme280-sim@%#02x", c.addr) }

// SetSpeed implements i2c.Bus; the BME280 supports up to 3.4 MHz (high-speed mode).
func (c *Chip) SetSpeed(f physic.Frequency) error {
	if f <= 0 || f > maxSpeed {
		return fmt.Errorf("bme280: invalid speed %s", f)
	}
	return nil
}

// Close implements i2c.BusCloser. Later Tx calls return ErrClosed.
func (c *Chip) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

// Tx implements i2c.Bus. A write is pairs of register address and value, as the BME280
// expects on I2C; a trailing odd byte only sets the register pointer. A read returns
// consecutive registers from the pointer (auto-increment).
func (c *Chip) Tx(addr uint16, w, r []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return ErrClosed
	case c.fail != nil:
		return c.fail
	case addr != c.addr:
		return fmt.Errorf("bme280: address %#02x: %w", addr, ErrNoAck)
	}
	now := c.now()
	c.advance(now)
	for len(w) >= 2 {
		c.write(w[0], w[1], now)
		w = w[2:]
	}
	if len(w) == 1 {
		c.ptr = w[0]
	}
	for i := range r {
		r[i] = c.read(c.ptr, now)
		c.ptr++
	}
	return nil
}

func (c *Chip) reset() {
	c.regs = [256]byte{}
	c.cal.registers(&c.regs)
	c.regs[regChipID] = ChipID
	c.ctrlHum, c.hum = 0, 0
	c.filtered = false
	c.setData(0x80000, 0x80000, 0x8000)
}

func (c *Chip) read(reg byte, now time.Time) byte {
	switch reg {
	case regCtrlHum:
		return c.ctrlHum
	case regStatus:
		if c.measuring(now) {
			return statusMeasure
		}
		return 0
	}
	return c.regs[reg]
}

func (c *Chip) write(reg, v byte, now time.Time) {
	switch reg {
	case regReset:
		if v == resetWord {
			c.reset()
		}
	case regCtrlHum:
		c.ctrlHum = v & 0x07
	case regCtrlMeas:
		c.hum = c.ctrlHum
		c.regs[regCtrlMeas] = v
		if mode(v) != modeSleep {
			c.since, c.done = now, 0
		}
	case regConfig:
		if (v^c.regs[regConfig])&0x1C != 0 {
			c.filtered = false // the datasheet resets the filter when its coefficient changes
		}
		c.regs[regConfig] = v & 0xFD // bit 1 is reserved
	}
}

const (
	modeSleep  = 0
	modeNormal = 3
)

func mode(ctrlMeas byte) byte { return ctrlMeas & 0x03 }

// measureTime is the datasheet's typical conversion time for the active oversampling.
func (c *Chip) measureTime() time.Duration {
	us := 1000
	if n := oversampling(c.regs[regCtrlMeas] >> 5); n > 0 {
		us += 2000 * n
	}
	if n := oversampling(c.regs[regCtrlMeas] >> 2); n > 0 {
		us += 2000*n + 500
	}
	if n := oversampling(c.hum); n > 0 {
		us += 2000*n + 500
	}
	return time.Duration(us) * time.Microsecond
}

func (c *Chip) standby() time.Duration {
	return [8]time.Duration{
		500 * time.Microsecond, 62500 * time.Microsecond, 125 * time.Millisecond, 250 * time.Millisecond,
		500 * time.Millisecond, time.Second, 10 * time.Millisecond, 20 * time.Millisecond,
	}[c.regs[regConfig]>>5]
}

// oversampling decodes a 3-bit osrs field into the number of samples (0 = skipped).
func oversampling(field byte) int {
	switch f := field & 0x07; f {
	case 0:
		return 0
	case 1, 2, 3, 4:
		return 1 << (f - 1)
	default:
		return 16
	}
}

func (c *Chip) measuring(now time.Time) bool {
	switch mode(c.regs[regCtrlMeas]) {
	case modeSleep:
		return false
	case modeNormal:
		return now.Sub(c.since)%(c.measureTime()+c.standby()) < c.measureTime()
	default:
		return now.Sub(c.since) < c.measureTime()
	}
}

// advance completes the conversions due by now, so a read sees what the silicon would.
func (c *Chip) advance(now time.Time) {
	m := mode(c.regs[regCtrlMeas])
	if m == modeSleep {
		return
	}
	meas, elapsed := c.measureTime(), now.Sub(c.since)
	if elapsed < meas {
		return
	}
	if m != modeNormal { // forced: one conversion, then back to sleep
		c.convert()
		c.regs[regCtrlMeas] &^= 0x03
		return
	}
	due := int64((elapsed-meas)/(meas+c.standby())) + 1
	for n := min(due-c.done, 32); n > 0; n-- { // past 32 cycles the filter has settled
		c.convert()
	}
	c.done = due
}

// convert runs one conversion of the held environment into the data registers.
func (c *Chip) convert() {
	ctrl := c.regs[regCtrlMeas]
	t := c.env.Temperature - physic.ZeroCelsius
	rawT := c.cal.rawTemperature(float64(t) / float64(physic.Celsius))
	_, tFine := c.cal.temperature(rawT)
	rawP := c.cal.rawPressure(float64(c.env.Pressure)/float64(physic.Pascal), tFine)
	rawH := c.cal.rawHumidity(float64(c.env.Humidity)/float64(physic.PercentRH), tFine)

	if k := filterCoefficient(c.regs[regConfig]); k > 1 && c.filtered {
		c.filtT = (c.filtT*float64(k-1) + float64(rawT)) / float64(k)
		c.filtP = (c.filtP*float64(k-1) + float64(rawP)) / float64(k)
	} else {
		c.filtT, c.filtP, c.filtered = float64(rawT), float64(rawP), true
	}
	outT, outP, outH := int32(c.filtT+0.5), int32(c.filtP+0.5), rawH
	if oversampling(ctrl>>5) == 0 {
		outT = 0x80000
	}
	if oversampling(ctrl>>2) == 0 {
		outP = 0x80000
	}
	if oversampling(c.hum) == 0 {
		outH = 0x8000
	}
	c.setData(outT, outP, outH)
}

func filterCoefficient(config byte) int {
	switch f := (config >> 2) & 0x07; f {
	case 0:
		return 1
	case 1, 2, 3:
		return 1 << f
	default:
		return 16
	}
}

func (c *Chip) setData(t, p, h int32) {
	d := c.regs[regData : regData+8]
	d[0], d[1], d[2] = byte(p>>12), byte(p>>4), byte(p<<4)
	d[3], d[4], d[5] = byte(t>>12), byte(t>>4), byte(t<<4)
	d[6], d[7] = byte(h>>8), byte(h)
}

func clampEnv(e Env) Env {
	e.Temperature = min(max(e.Temperature, minTemperature), maxTemperature)
	e.Pressure = min(max(e.Pressure, minPressure), maxPressure)
	e.Humidity = min(max(e.Humidity, 0), 100*physic.PercentRH)
	return e
}
