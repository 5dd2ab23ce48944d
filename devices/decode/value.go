package decode

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// parseNumber reads a number the way JSON writes one: an integer becomes an
// int64 (no precision lost on counters), anything else a float64. NaN and
// infinities are refused because JSON cannot carry them.
func parseNumber(s string) (any, bool) {
	s = strings.TrimSpace(s)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, false
	}
	return f, true
}

// typeName names a decoded JSON value's type for error messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int64, float64, json.Number:
		return "a number"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return "a value"
}

// compact encodes a reading's values as its record data. The values come
// from parsers that produce only JSON-safe types, so Marshal cannot fail on
// them; the error is still returned rather than hidden.
func compact(values map[string]any) ([]byte, error) {
	return json.Marshal(values)
}
