package sparkplug

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Encode writes p as a Sparkplug B protobuf. A metric's Value goes into the
// field its Datatype calls for; with Datatype Unknown the Go type decides.
// A value that does not fit its datatype is left out, as if null.
func Encode(p Payload) []byte {
	var b []byte
	if p.Timestamp != 0 {
		b = protowire.AppendTag(b, payloadTimestamp, protowire.VarintType)
		b = protowire.AppendVarint(b, p.Timestamp)
	}
	for _, m := range p.Metrics {
		b = protowire.AppendTag(b, payloadMetrics, protowire.BytesType)
		b = protowire.AppendBytes(b, encodeMetric(m))
	}
	if p.Seq != nil {
		b = protowire.AppendTag(b, payloadSeq, protowire.VarintType)
		b = protowire.AppendVarint(b, *p.Seq)
	}
	if p.UUID != "" {
		b = protowire.AppendTag(b, payloadUUID, protowire.BytesType)
		b = protowire.AppendString(b, p.UUID)
	}
	if len(p.Body) > 0 {
		b = protowire.AppendTag(b, payloadBody, protowire.BytesType)
		b = protowire.AppendBytes(b, p.Body)
	}
	return b
}

func encodeMetric(m Metric) []byte {
	var b []byte
	if m.Name != "" {
		b = protowire.AppendTag(b, metricName, protowire.BytesType)
		b = protowire.AppendString(b, m.Name)
	}
	if m.Alias != nil {
		b = protowire.AppendTag(b, metricAlias, protowire.VarintType)
		b = protowire.AppendVarint(b, *m.Alias)
	}
	if m.Timestamp != 0 {
		b = protowire.AppendTag(b, metricTimestamp, protowire.VarintType)
		b = protowire.AppendVarint(b, m.Timestamp)
	}
	if m.Datatype != Unknown {
		b = protowire.AppendTag(b, metricDatatype, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(m.Datatype))
	}
	if m.IsNull || m.Value == nil {
		if m.IsNull {
			b = protowire.AppendTag(b, metricIsNull, protowire.VarintType)
			b = protowire.AppendVarint(b, 1)
		}
		return b
	}
	return appendValue(b, m.Datatype, m.Value)
}

func appendValue(b []byte, dt DataType, v any) []byte {
	switch dt {
	case Int8, Int16, Int32, UInt8, UInt16, UInt32:
		if bits, ok := integer(v); ok {
			b = protowire.AppendTag(b, metricIntValue, protowire.VarintType)
			return protowire.AppendVarint(b, uint64(uint32(bits)))
		}
	case Int64, UInt64, DateTime:
		if bits, ok := integer(v); ok {
			b = protowire.AppendTag(b, metricLongValue, protowire.VarintType)
			return protowire.AppendVarint(b, bits)
		}
	case Float:
		switch x := v.(type) {
		case float32:
			return appendFloat(b, x)
		case float64:
			return appendFloat(b, float32(x))
		}
	case Double:
		switch x := v.(type) {
		case float64:
			return appendDouble(b, x)
		case float32:
			return appendDouble(b, float64(x))
		}
	case Boolean:
		if x, ok := v.(bool); ok {
			return appendBool(b, x)
		}
	case String, Text, UUID:
		if x, ok := v.(string); ok {
			return appendString(b, x)
		}
	case Bytes:
		if x, ok := v.([]byte); ok {
			return appendBytes(b, x)
		}
	default:
		return appendNatural(b, v)
	}
	return b
}

// appendNatural writes a value whose datatype does not say where it goes.
func appendNatural(b []byte, v any) []byte {
	switch x := v.(type) {
	case uint32:
		b = protowire.AppendTag(b, metricIntValue, protowire.VarintType)
		return protowire.AppendVarint(b, uint64(x))
	case float32:
		return appendFloat(b, x)
	case float64:
		return appendDouble(b, x)
	case bool:
		return appendBool(b, x)
	case string:
		return appendString(b, x)
	case []byte:
		return appendBytes(b, x)
	}
	if bits, ok := integer(v); ok {
		b = protowire.AppendTag(b, metricLongValue, protowire.VarintType)
		return protowire.AppendVarint(b, bits)
	}
	return b
}

// integer returns any Go integer as its two's complement bits.
func integer(v any) (uint64, bool) {
	switch x := v.(type) {
	case int:
		return uint64(x), true
	case int8:
		return uint64(x), true
	case int16:
		return uint64(x), true
	case int32:
		return uint64(x), true
	case int64:
		return uint64(x), true
	case uint:
		return uint64(x), true
	case uint8:
		return uint64(x), true
	case uint16:
		return uint64(x), true
	case uint32:
		return uint64(x), true
	case uint64:
		return x, true
	}
	return 0, false
}

func appendFloat(b []byte, f float32) []byte {
	b = protowire.AppendTag(b, metricFloatValue, protowire.Fixed32Type)
	return protowire.AppendFixed32(b, math.Float32bits(f))
}

func appendDouble(b []byte, f float64) []byte {
	b = protowire.AppendTag(b, metricDoubleValue, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, math.Float64bits(f))
}

func appendBool(b []byte, x bool) []byte {
	b = protowire.AppendTag(b, metricBooleanValue, protowire.VarintType)
	return protowire.AppendVarint(b, protowire.EncodeBool(x))
}

func appendString(b []byte, s string) []byte {
	b = protowire.AppendTag(b, metricStringValue, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendBytes(b []byte, x []byte) []byte {
	b = protowire.AppendTag(b, metricBytesValue, protowire.BytesType)
	return protowire.AppendBytes(b, x)
}
