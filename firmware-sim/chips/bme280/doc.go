// Package bme280 emulates a Bosch BME280 temperature, pressure and humidity sensor behind a
// periph i2c.Bus, register for register, so the real driver (periph.io/x/devices/v3/bmxx80)
// can run unmodified against it in tests, demos and the gateway's "bus: sim".
//
// The chip holds an environment (Env). On each measurement it turns that environment into
// raw ADC counts by inverting the datasheet's compensation formulas with its own trimming
// parameters, so a driver that reads the trimming parameters and compensates the raw counts
// gets the environment back, to the sensor's resolution (0.01 °C, 1/256 Pa, 1/1024 %RH).
//
// What is emulated: chip id, soft reset, ctrl_hum (latched by the next ctrl_meas write, as on
// silicon), ctrl_meas, config, status (measuring bit during a conversion), the data block
// with register auto-increment on reads, forced mode (returns to sleep after one conversion)
// and normal mode (a conversion every t_measure + t_standby), skipped channels (0x80000 /
// 0x8000) and the IIR filter on temperature and pressure. Conversion takes the datasheet's
// typical time. Not emulated: ADC resolution by oversampling (every conversion has 20 bits),
// the NVM-copy im_update bit, SPI.
package bme280
