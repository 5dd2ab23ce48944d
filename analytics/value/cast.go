package value

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tidegate/tidegate/analytics/ast"
)

// Cast converts v to type t, as CAST(v AS t) and the decoding of a declared column do.
// ok is false when v has no value of that type (the text 'abc' as a BIGINT, a fraction of
// a BIGINT out of range, an object as a DOUBLE); the result is then NULL. NULL casts to
// NULL, and anything to JSON unchanged.
//
//   - To BIGINT: a DOUBLE is truncated toward zero; text is read as a number (surrounding
//     spaces allowed) and truncated; TRUE is 1; a TIMESTAMP is its Unix milliseconds, an
//     INTERVAL its milliseconds.
//   - To DOUBLE: numbers, numeric text, booleans as 1 and 0.
//   - To BOOLEAN: numbers (non-zero is TRUE), the text true/false/t/f/yes/no/1/0 in any case.
//   - To TIMESTAMP: text in any form a TIMESTAMP literal takes; a number is Unix time in a
//     unit read from its magnitude (see FromEpoch).
//   - To INTERVAL: text as an interval shorthand ('1h30m'), a number as milliseconds.
//   - To STRING: the value's text (String).
func Cast(v Value, t Type) (Value, bool) {
	if v.kind == KindNull {
		return Null, true
	}
	if t == TypeJSON || Type(v.kind) == t {
		return v, true
	}
	switch t {
	case TypeString:
		return String(v.String()), true
	case TypeInt:
		return castInt(v)
	case TypeDouble:
		return castDouble(v)
	case TypeBool:
		return castBool(v)
	case TypeTimestamp:
		return castTimestamp(v)
	case TypeInterval:
		return castInterval(v)
	}
	return Null, false
}

func castInt(v Value) (Value, bool) {
	switch v.kind {
	case KindDouble:
		return DoubleToInt(v.AsDouble())
	case KindBool:
		return Int(int64(v.bits)), true
	case KindTimestamp, KindInterval:
		return Int(int64(v.bits) / int64(time.Millisecond)), true
	case KindString:
		text := strings.TrimSpace(v.str)
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return Int(n), true
		}
		if f, ok := parseFinite(text); ok {
			return DoubleToInt(f)
		}
	}
	return Null, false
}

// DoubleToInt truncates f toward zero; ok is false for NaN and values out of range.
func DoubleToInt(f float64) (Value, bool) {
	if math.IsNaN(f) || f >= 9223372036854775808.0 || f < -9223372036854775808.0 {
		return Null, false
	}
	return Int(int64(f)), true
}

// parseFinite reads a decimal number, refusing NaN, Inf and hexadecimal forms.
func parseFinite(text string) (float64, bool) {
	if text == "" || strings.ContainsAny(text, "nNiIxXpP_") {
		return 0, false
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func castDouble(v Value) (Value, bool) {
	switch v.kind {
	case KindInt, KindBool:
		return Double(float64(int64(v.bits))), true
	case KindString:
		if f, ok := parseFinite(strings.TrimSpace(v.str)); ok {
			return Double(f), true
		}
	}
	return Null, false
}

func castBool(v Value) (Value, bool) {
	switch v.kind {
	case KindInt:
		return Bool(v.bits != 0), true
	case KindDouble:
		return Bool(v.AsDouble() != 0), true
	case KindString:
		switch strings.ToLower(strings.TrimSpace(v.str)) {
		case "true", "t", "yes", "y", "1":
			return Bool(true), true
		case "false", "f", "no", "n", "0":
			return Bool(false), true
		}
	}
	return Null, false
}

func castTimestamp(v Value) (Value, bool) {
	switch v.kind {
	case KindString:
		return ParseTimestamp(v.str)
	case KindInt:
		return FromEpochInt(int64(v.bits))
	case KindDouble:
		return FromEpoch(v.AsDouble())
	}
	return Null, false
}

// ParseTimestamp reads text as a TIMESTAMP literal does (RFC 3339, a UTC date and time, or
// a date).
func ParseTimestamp(text string) (Value, bool) {
	t, err := ast.ParseTimestamp(strings.TrimSpace(text))
	if err != nil {
		return Null, false
	}
	return Time(t), true
}

// FromEpoch reads a number as Unix time, its unit told by its magnitude: below 1e11 it is
// seconds (up to the year 5138), below 1e14 milliseconds, below 1e17 microseconds, else
// nanoseconds. Devices send all four; a reading of a current time in any unit is read right.
func FromEpoch(n float64) (Value, bool) {
	abs := math.Abs(n)
	var scale float64
	switch {
	case math.IsNaN(n) || math.IsInf(n, 0):
		return Null, false
	case abs < 1e11:
		scale = 1e9
	case abs < 1e14:
		scale = 1e6
	case abs < 1e17:
		scale = 1e3
	default:
		scale = 1
	}
	ns := n * scale
	if ns >= 9223372036854775808.0 || ns < -9223372036854775808.0 {
		return Null, false
	}
	return Timestamp(int64(math.Round(ns))), true
}

// FromEpochInt is FromEpoch for an integer, computed exactly.
func FromEpochInt(n int64) (Value, bool) {
	abs := n
	if abs < 0 {
		abs = -abs
	}
	var scale int64
	switch {
	case abs < 1e11:
		scale = 1e9
	case abs < 1e14:
		scale = 1e6
	case abs < 1e17:
		scale = 1e3
	default:
		scale = 1
	}
	if n > math.MaxInt64/scale || n < math.MinInt64/scale {
		return Null, false
	}
	return Timestamp(n * scale), true
}

func castInterval(v Value) (Value, bool) {
	switch v.kind {
	case KindString:
		d, err := ast.ParseInterval(strings.TrimSpace(v.str), ast.NoUnit)
		if err != nil {
			return Null, false
		}
		return Interval(d), true
	case KindInt:
		ms := int64(v.bits)
		if ms > math.MaxInt64/int64(time.Millisecond) || ms < math.MinInt64/int64(time.Millisecond) {
			return Null, false
		}
		return Interval(time.Duration(ms) * time.Millisecond), true
	}
	return Null, false
}
