// Package sensors polls periph.io sensors (I²C, SPI, 1-Wire, GPIO, or an
// emulated chip from firmware-sim) into readings, the same decode.Reading the
// MQTT side produces, so both feed one ingest.
//
// Drivers register themselves ([RegisterDriver]: the type name, its settings
// and how to open it), one per file here: bme280 and bmp280, ds18b20,
// ads1115, aht20, scd4x, gpio. A sensor's configuration is what every sensor
// has (name, type, stream, interval) and its driver's own settings, decoded
// strictly from the entry's other keys.
//
// Life cycle: New validates the configs; Start opens nothing itself but
// starts one goroutine per sensor, which opens its hardware, polls at its
// interval and emits readings; Close stops every goroutine and waits for
// them. A sensor whose hardware is missing or broken never stalls the
// others.
//
// Failure policy, per sensor:
//   - A failed open or read is retried after a backoff (DefaultBackoff: 1 s,
//     doubling, capped at 1 min) instead of the interval, and the hardware is
//     closed and opened again, so a re-plugged or power-cycled chip comes back
//     with its configuration rewritten.
//   - After Deps.OfflineAfter consecutive failures the sensor is reported
//     offline through Deps.Status; the next success reports it online (the
//     first success ever also reports online, so a registry learns the
//     sensor exists).
//   - A reading the Emit callback refuses (the durable ingest failed) is kept
//     and emitted again, before the new reading, at the next poll. At most
//     Deps.MaxPending readings are kept; beyond that the oldest is dropped and
//     the drop is logged with a count, never silently.
//
// Hardware access goes through the Hardware interface; Host is the real one
// (periph host drivers, initialised on first use). Tests hand in fake buses
// and pins. The emulated chips of bus: sim live in a [Sim] that whoever
// polls the sensors holds (Deps.Sim), not in the package.
package sensors
