package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// Duration is a time.Duration that is also written in days ("7d", "1d12h"), since
// retention is naturally counted in days and time.ParseDuration stops at hours. Caddy's
// caddy.Duration does the same.
type Duration time.Duration

const (
	day         = 24 * time.Hour
	maxDuration = time.Duration(1<<63 - 1)
)

// ParseDuration parses a Go duration ("90m", "1h30m", "24h") optionally led by whole days
// ("7d", "1d12h"). A bare number other than 0 is refused: its unit would be a guess.
func ParseDuration(s string) (Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, errors.New("empty duration")
	}
	rest, days := in, time.Duration(0)
	if i := strings.IndexByte(in, 'd'); i >= 0 {
		n, err := strconv.ParseUint(in[:i], 10, 63)
		if err != nil || n > uint64(maxDuration/day) {
			return 0, fmt.Errorf("invalid duration %q: days must be a whole number, as in 7d or 1d12h", in)
		}
		days, rest = time.Duration(n)*day, in[i+1:]
		if rest == "" {
			return Duration(days), nil
		}
		if rest[0] == '-' || rest[0] == '+' {
			return 0, fmt.Errorf("invalid duration %q: only more units may follow the days, as in 1d12h", in)
		}
	}
	d, err := time.ParseDuration(rest)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: use a number and a unit (s, m, h, d), as in 30s, 90m, 24h or 7d", in)
	}
	if d > maxDuration-days {
		return 0, fmt.Errorf("invalid duration %q: too long", in)
	}
	return Duration(days + d), nil
}

// String writes whole days as "7d", anything else as time.Duration does without the
// trailing zero units ("90m" is "1h30m", not "1h30m0s"); ParseDuration reads it back.
func (d Duration) String() string {
	td := time.Duration(d)
	if td > 0 && td%day == 0 { // negative days would not parse back
		return strconv.FormatInt(int64(td/day), 10) + "d"
	}
	s := td.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// UnmarshalYAML reads a duration scalar, reporting a bad one at its position.
func (d *Duration) UnmarshalYAML(node ast.Node) error {
	text, err := scalarText(node, "a duration such as 30s, 90m, 24h or 7d")
	if err != nil {
		return err
	}
	v, err := ParseDuration(text)
	if err != nil {
		return nodeError(node, err.Error())
	}
	*d = v
	return nil
}
