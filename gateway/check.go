package gateway

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/tidegate/tidegate/devices/decode"
	"github.com/tidegate/tidegate/gateway/config"
)

// Check reports what Start would refuse in cfg (already validated by the config
// package), running the same construction as Start without its side effects:
// nothing is opened, created, bound, connected or started. `tidegate config check`
// and `tidegate run` both call it, so the check refuses whatever the run would
// refuse at these steps.
//
// Covered: the data directory can be created or written; the TLS certificate
// and key load; the MQTT subscriptions in force compile and their decoders
// build; the MQTT TLS and external brokers' certificates load; each delivery's
// definition builds and validates. Not covered, as it needs the side effect
// itself: a port already in use, a sensor bus that is not there, a destination
// that cannot be reached.
func Check(cfg *config.Config) error {
	var errs []error
	add := func(setting string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", setting, err))
		}
	}
	add("data_dir", checkDataDir(cfg.DataDir))
	if t := cfg.Listen.TLS; t != nil {
		_, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		add("listen.tls", err)
	}
	if err := cfg.MQTT.Check(func(string, string) decode.Env { return decode.Env{} }); err != nil {
		errs = append(errs, err) // "mqtt: …" already
	}
	for i, d := range cfg.Deliveries {
		spec, err := d.Spec()
		if err == nil {
			err = spec.Validate()
		}
		add(fmt.Sprintf("deliveries[%d] (%s)", i, d.Name), err)
	}
	return errors.Join(errs...)
}

// checkDataDir reports a data directory that Start could not create or write:
// an existing one must be a writable directory, a missing one must have a
// writable ancestor to be created under.
func checkDataDir(dir string) error {
	d := filepath.Clean(dir)
	for {
		fi, err := os.Stat(d)
		switch {
		case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
			up := filepath.Dir(d)
			if up == d {
				return fmt.Errorf("%s: no existing directory to create it in", dir)
			}
			d = up
			continue
		case err != nil:
			return err
		case !fi.IsDir():
			return fmt.Errorf("%s: %s is not a directory", dir, d)
		}
		return writable(d, dir)
	}
}

// writable checks that files can be created in d, without creating one.
func writable(d, dir string) error {
	const wOK, xOK = 0x2, 0x1 // access(2): write, and search a directory
	if err := syscall.Access(d, wOK|xOK); err != nil {
		return fmt.Errorf("%s: cannot write in %s: %w", dir, d, err)
	}
	return nil
}
