package kafka

import (
	"fmt"
	"os"
	"strings"

	"github.com/tidegate/tidegate/uplink"
)

// secret is a value that may stay out of the configuration file, as the
// gateway's access keys do: given as is, read from a file (trailing newline
// trimmed) or taken from an environment variable.
type secret struct {
	key              string // the config key, for errors: "sasl.password"
	value, file, env string
}

// count says how many of the three ways are used.
func (s secret) count() int {
	n := 0
	for _, v := range []string{s.value, s.file, s.env} {
		if v != "" {
			n++
		}
	}
	return n
}

// validate checks that at most one way is used.
func (s secret) validate() error {
	if s.count() > 1 {
		return fmt.Errorf("%s: %s, %s_file and %s_env exclude each other", s.key, s.key, s.key, s.key)
	}
	return nil
}

// resolve returns the secret's value, reading its file or variable.
func (s secret) resolve() (string, error) {
	switch {
	case s.file != "":
		b, err := os.ReadFile(s.file)
		if err != nil {
			return "", fmt.Errorf("%w: kafka: %s_file: %w", uplink.ErrConfig, s.key, err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	case s.env != "":
		v, ok := os.LookupEnv(s.env)
		if !ok || v == "" {
			return "", fmt.Errorf("%w: kafka: %s_env: variable %s is not set", uplink.ErrConfig, s.key, s.env)
		}
		return v, nil
	}
	return s.value, nil
}
