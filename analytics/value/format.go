package value

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// TimeLayout is how a TIMESTAMP is written as text and in JSON: RFC 3339 in UTC, with as
// many fractional digits as it needs.
const TimeLayout = time.RFC3339Nano

// String is v's text: what CAST(v AS STRING) and || give (NULL prints as "NULL" here, where
// they give NULL). Numbers as in JSON, booleans as true and false, timestamps in
// TimeLayout, intervals in the shorthand an INTERVAL literal takes ("1m30s"), composites as
// JSON.
func (v Value) String() string {
	switch v.kind {
	case KindNull:
		return "NULL"
	case KindString:
		return v.str
	}
	return string(AppendText(nil, v))
}

// AppendText appends v's text (see String); NULL appends nothing.
func AppendText(dst []byte, v Value) []byte {
	switch v.kind {
	case KindNull:
		return dst
	case KindBool:
		return strconv.AppendBool(dst, v.bits != 0)
	case KindInt:
		return strconv.AppendInt(dst, int64(v.bits), 10)
	case KindDouble:
		return appendDouble(dst, v.AsDouble())
	case KindString:
		return append(dst, v.str...)
	case KindTimestamp:
		return v.AsTime().AppendFormat(dst, TimeLayout)
	case KindInterval:
		return append(dst, time.Duration(v.bits).String()...)
	}
	return AppendJSON(dst, v)
}

// appendDouble writes a double as encoding/json does — shortest form, exponent only for
// very large or small magnitudes — except that from 2^53 on it takes an exponent, so that
// the text cannot be read back as a BIGINT of another value. NaN and ±Inf, which JSON cannot hold, as NaN, +Inf, -Inf.
func appendDouble(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.AppendFloat(dst, f, 'g', -1, 64)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1<<53) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9, as encoding/json
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// AppendJSON appends v as JSON: NULL as null, timestamps and intervals as strings in their
// text form, NaN and infinities (which JSON cannot hold) as null.
func AppendJSON(dst []byte, v Value) []byte {
	switch v.kind {
	case KindNull:
		return append(dst, "null"...)
	case KindDouble:
		f := v.AsDouble()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return append(dst, "null"...)
		}
		return appendDouble(dst, f)
	case KindBool, KindInt:
		return AppendText(dst, v)
	case KindString:
		return AppendJSONString(dst, v.str)
	case KindTimestamp, KindInterval:
		dst = append(dst, '"')
		dst = AppendText(dst, v)
		return append(dst, '"')
	case KindArray:
		dst = append(dst, '[')
		for i, e := range v.comp.vals {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSON(dst, e)
		}
		return append(dst, ']')
	}
	dst = append(dst, '{')
	for i, k := range v.comp.keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendJSONString(dst, k)
		dst = append(dst, ':')
		dst = AppendJSON(dst, v.comp.vals[i])
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD; unlike
// encoding/json, <, > and & are not escaped (results are data, not HTML).
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\ufffd"...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
