package decode

import (
	"math"
	"strings"
	"time"
)

// TimeFormat says how a time field is written.
type TimeFormat string

// Time formats. TimeAuto tries each: a number is seconds below 1e11 and
// milliseconds from there on (1e11 s is the year 5138, 1e11 ms is 1973), a
// string is RFC 3339 or a number in a string.
const (
	TimeAuto    TimeFormat = ""
	TimeUnix    TimeFormat = "unix"
	TimeUnixMS  TimeFormat = "unix_ms"
	TimeRFC3339 TimeFormat = "rfc3339"
)

// valid reports whether f is one of the formats above.
func (f TimeFormat) valid() bool {
	switch f {
	case TimeAuto, TimeUnix, TimeUnixMS, TimeRFC3339:
		return true
	}
	return false
}

func (f TimeFormat) want() string {
	switch f {
	case TimeUnix:
		return "unix seconds"
	case TimeUnixMS:
		return "unix milliseconds"
	case TimeRFC3339:
		return "an RFC 3339 time"
	}
	return "unix seconds, unix milliseconds or an RFC 3339 time"
}

// autoMillisFrom is where TimeAuto starts reading numbers as milliseconds.
const autoMillisFrom = 1e11

// maxSeconds bounds a plausible time: beyond ±2^40 s (±34,000 years) a
// value is garbage, and converting it would overflow.
const maxSeconds = 1 << 40

// parseTime reads v (a decoded number or a string) as a time in format f;
// false means v is not a time in that format, and callers name the field.
func parseTime(v any, f TimeFormat) (time.Time, bool) {
	if s, ok := v.(string); ok {
		s = strings.TrimSpace(s)
		if f == TimeAuto || f == TimeRFC3339 {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return t, true
			}
			if f == TimeRFC3339 {
				return time.Time{}, false
			}
		}
		n, ok := parseNumber(s)
		if !ok {
			return time.Time{}, false
		}
		v = n
	}
	if f == TimeRFC3339 {
		return time.Time{}, false
	}
	var x float64
	switch n := v.(type) {
	case int64:
		// Integers stay exact: a float64 would round nanoseconds away.
		if f == TimeUnixMS || (f == TimeAuto && n >= autoMillisFrom) {
			return time.UnixMilli(n), n > -maxSeconds*1000 && n < maxSeconds*1000
		}
		return time.Unix(n, 0), n > -maxSeconds && n < maxSeconds
	case float64:
		x = n
	default:
		return time.Time{}, false
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return time.Time{}, false
	}
	if f == TimeUnixMS || (f == TimeAuto && x >= autoMillisFrom) {
		x /= 1000
	}
	if math.Abs(x) >= maxSeconds {
		return time.Time{}, false
	}
	sec, frac := math.Modf(x)
	return time.Unix(int64(sec), int64(math.Round(frac*1e9))), true
}
