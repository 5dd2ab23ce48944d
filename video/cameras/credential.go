package cameras

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// Login is the username and password keys of a camera entry: the password
// given as is, read from password_file (trailing newline trimmed) or taken
// from the environment variable password_env.
type Login struct {
	Username     string `yaml:"username"`
	Password     string `yaml:"password"`
	PasswordFile string `yaml:"password_file"`
	PasswordEnv  string `yaml:"password_env"`
}

// Validate checks that a password comes from one place at most, and that
// a password has a username.
func (l Login) Validate() error {
	n := 0
	for _, v := range []string{l.Password, l.PasswordFile, l.PasswordEnv} {
		if v != "" {
			n++
		}
	}
	switch {
	case n > 1:
		return fmt.Errorf("%w: password, password_file and password_env exclude each other", ErrConfig)
	case n == 1 && l.Username == "":
		return fmt.Errorf("%w: username: a password needs a username", ErrConfig)
	}
	return nil
}

// IsSet says whether a username is given.
func (l Login) IsSet() bool { return l.Username != "" }

// Resolve returns the credential, reading the password's file or variable.
func (l Login) Resolve() (Credential, error) {
	c := Credential{Username: l.Username, Password: l.Password}
	switch {
	case l.PasswordFile != "":
		b, err := os.ReadFile(l.PasswordFile)
		if err != nil {
			return c, fmt.Errorf("%w: password_file: %w", ErrConfig, err)
		}
		c.Password = strings.TrimRight(string(b), "\r\n")
	case l.PasswordEnv != "":
		v, ok := os.LookupEnv(l.PasswordEnv)
		if !ok {
			return c, fmt.Errorf("%w: password_env: variable %s is not set", ErrConfig, l.PasswordEnv)
		}
		c.Password = v
	}
	return c, nil
}

// Credential is a username and its password. It prints and logs without
// the password.
type Credential struct {
	Username, Password string
}

func (c Credential) String() string { return c.Username + ":[REDACTED]" }

// GoString is String, so that %#v does not show the password either.
func (c Credential) GoString() string { return "cameras.Credential{" + c.String() + "}" }

// LogValue logs the username only.
func (c Credential) LogValue() slog.Value { return slog.StringValue(c.String()) }
