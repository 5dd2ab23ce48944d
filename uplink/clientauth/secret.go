package clientauth

import (
	"fmt"
	"os"
	"strings"

	"github.com/tidegate/tidegate/uplink"
)

// Secret is a value that may stay out of the configuration file, as the
// gateway's access keys do: given as is, read from a file (trailing newline
// trimmed) or taken from an environment variable. A destination resolves
// it once, when it builds its client, not on every connection.
type Secret struct {
	Key              string // the config key, for errors: "sasl.password"
	Value, File, Env string
}

// Count says how many of the three ways are used, so a destination can
// tell a missing secret from one given twice.
func (s Secret) Count() int {
	n := 0
	for _, v := range []string{s.Value, s.File, s.Env} {
		if v != "" {
			n++
		}
	}
	return n
}

// Validate checks that at most one way is used. Its error starts with the
// key, for the destination to wrap with its own name.
func (s Secret) Validate() error {
	if s.Count() > 1 {
		return fmt.Errorf("%s: %s, %s_file and %s_env exclude each other", s.Key, s.Key, s.Key, s.Key)
	}
	return nil
}

// Resolve returns the secret's value, reading its file or variable. Its
// errors are uplink.ErrConfig and name the destination dest ("kafka").
func (s Secret) Resolve(dest string) (string, error) {
	switch {
	case s.File != "":
		b, err := os.ReadFile(s.File)
		if err != nil {
			return "", fmt.Errorf("%w: %s: %s_file: %w", uplink.ErrConfig, dest, s.Key, err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	case s.Env != "":
		v, ok := os.LookupEnv(s.Env)
		if !ok || v == "" {
			return "", fmt.Errorf("%w: %s: %s_env: variable %s is not set", uplink.ErrConfig, dest, s.Key, s.Env)
		}
		return v, nil
	}
	return s.Value, nil
}
