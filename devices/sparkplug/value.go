package sparkplug

import (
	"fmt"
	"math"
)

// typed turns a value as read off the wire (uint32, uint64, float32,
// float64, bool, string, []byte) into the Go type its datatype promises
// (see Metric.Value). Unknown keeps the wire type; a datatype this package
// does not model keeps it too rather than losing it.
func typed(dt DataType, v any) (any, error) {
	if v == nil || dt == Unknown {
		return v, nil
	}
	switch dt {
	case Int8, Int16, Int32, Int64, UInt8, UInt16, UInt32, UInt64, DateTime:
		var bits uint64
		switch x := v.(type) {
		case uint32:
			bits = uint64(x)
		case uint64:
			bits = x
		default:
			return nil, mismatch(dt, v)
		}
		// Signed values travel as two's complement in an unsigned field.
		switch dt {
		case Int8:
			return int64(int8(bits)), nil
		case Int16:
			return int64(int16(bits)), nil
		case Int32:
			return int64(int32(bits)), nil
		case Int64:
			return int64(bits), nil
		case UInt8:
			return uint64(uint8(bits)), nil
		case UInt16:
			return uint64(uint16(bits)), nil
		case UInt32:
			return uint64(uint32(bits)), nil
		}
		return bits, nil
	case Float:
		if x, ok := v.(float32); ok {
			return x, nil
		}
	case Double:
		switch x := v.(type) {
		case float64:
			return x, nil
		case float32: // some encoders send a Double in float_value
			return float64(x), nil
		}
	case Boolean:
		if x, ok := v.(bool); ok {
			return x, nil
		}
	case String, Text, UUID:
		if x, ok := v.(string); ok {
			return x, nil
		}
	case Bytes:
		if x, ok := v.([]byte); ok {
			return x, nil
		}
	default:
		return v, nil
	}
	return nil, mismatch(dt, v)
}

func mismatch(dt DataType, v any) error {
	return fmt.Errorf("datatype %s with a %T value", dt, v)
}

var dataTypeNames = map[DataType]string{
	Unknown: "Unknown", Int8: "Int8", Int16: "Int16", Int32: "Int32", Int64: "Int64",
	UInt8: "UInt8", UInt16: "UInt16", UInt32: "UInt32", UInt64: "UInt64",
	Float: "Float", Double: "Double", Boolean: "Boolean", String: "String",
	DateTime: "DateTime", Text: "Text", UUID: "UUID", Bytes: "Bytes",
}

func (d DataType) String() string {
	if s, ok := dataTypeNames[d]; ok {
		return s
	}
	return fmt.Sprintf("DataType(%d)", uint32(d))
}

// jsonSafe makes a metric value encodable as JSON: NaN and infinities,
// which JSON cannot carry, become null.
func jsonSafe(v any) any {
	switch x := v.(type) {
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil
		}
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
	}
	return v
}
