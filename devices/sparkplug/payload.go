package sparkplug

import (
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Payload is a Sparkplug B payload (org.eclipse.tahu.protobuf.Payload).
type Payload struct {
	// Timestamp is milliseconds since the Unix epoch; 0 when absent.
	Timestamp uint64
	Metrics   []Metric
	// Seq is the message sequence number, 0..255; nil when absent (NDEATH).
	Seq  *uint64
	UUID string
	Body []byte
}

// Metric is one metric of a payload. Only scalar values are read; a
// DataSet, Template, PropertySet or array value leaves Value nil.
type Metric struct {
	Name      string
	Alias     *uint64
	Timestamp uint64
	Datatype  DataType
	IsNull    bool
	// Value is, by Datatype: int64 (Int8..Int64), uint64 (UInt8..UInt64,
	// DateTime in ms), float32 (Float), float64 (Double), bool (Boolean),
	// string (String, Text, UUID), []byte (Bytes). With Datatype Unknown
	// (a DATA metric sent by alias) it is the wire type: uint32 (int_value),
	// uint64 (long_value), float32, float64, bool, string or []byte, to be
	// typed by the birth certificate's datatype. Nil when IsNull.
	Value any
}

// DataType is a Sparkplug B metric datatype.
type DataType uint32

// The scalar datatypes (Sparkplug 3.0, section 6.4.16).
const (
	Unknown  DataType = 0
	Int8     DataType = 1
	Int16    DataType = 2
	Int32    DataType = 3
	Int64    DataType = 4
	UInt8    DataType = 5
	UInt16   DataType = 6
	UInt32   DataType = 7
	UInt64   DataType = 8
	Float    DataType = 9
	Double   DataType = 10
	Boolean  DataType = 11
	String   DataType = 12
	DateTime DataType = 13
	Text     DataType = 14
	UUID     DataType = 15
	Bytes    DataType = 17
)

// Field numbers of the Sparkplug B protobuf schema.
const (
	payloadTimestamp protowire.Number = 1
	payloadMetrics   protowire.Number = 2
	payloadSeq       protowire.Number = 3
	payloadUUID      protowire.Number = 4
	payloadBody      protowire.Number = 5

	metricName         protowire.Number = 1
	metricAlias        protowire.Number = 2
	metricTimestamp    protowire.Number = 3
	metricDatatype     protowire.Number = 4
	metricIsNull       protowire.Number = 7
	metricIntValue     protowire.Number = 10
	metricLongValue    protowire.Number = 11
	metricFloatValue   protowire.Number = 12
	metricDoubleValue  protowire.Number = 13
	metricBooleanValue protowire.Number = 14
	metricStringValue  protowire.Number = 15
	metricBytesValue   protowire.Number = 16
)

// Decode parses a Sparkplug B payload. Fields it does not model (metadata,
// properties, datasets, templates, extensions) are skipped.
func Decode(b []byte) (Payload, error) {
	var p Payload
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return Payload{}, fmt.Errorf("%w: %w", ErrBadPayload, protowire.ParseError(n))
		}
		b = b[n:]
		var err error
		switch num {
		case payloadTimestamp:
			p.Timestamp, n, err = varint(b, typ, "timestamp")
		case payloadSeq:
			var seq uint64
			seq, n, err = varint(b, typ, "seq")
			p.Seq = &seq
		case payloadUUID:
			var v []byte
			v, n, err = lengthDelimited(b, typ, "uuid")
			p.UUID = string(v)
		case payloadBody:
			var v []byte
			v, n, err = lengthDelimited(b, typ, "body")
			p.Body = append([]byte{}, v...)
		case payloadMetrics:
			var v []byte
			v, n, err = lengthDelimited(b, typ, "metric")
			if err == nil {
				var m Metric
				if m, err = decodeMetric(v); err != nil {
					err = fmt.Errorf("metric %d: %w", len(p.Metrics), err)
				}
				p.Metrics = append(p.Metrics, m)
			}
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				err = fmt.Errorf("field %d: %w", num, protowire.ParseError(n))
			}
		}
		if err != nil {
			return Payload{}, fmt.Errorf("%w: %w", ErrBadPayload, err)
		}
		b = b[n:]
	}
	return p, nil
}

func decodeMetric(b []byte) (Metric, error) {
	var m Metric
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return Metric{}, protowire.ParseError(n)
		}
		b = b[n:]
		var (
			err error
			u   uint64
			v   []byte
		)
		switch num {
		case metricName:
			v, n, err = lengthDelimited(b, typ, "name")
			m.Name = string(v)
		case metricAlias:
			u, n, err = varint(b, typ, "alias")
			m.Alias = &u
		case metricTimestamp:
			m.Timestamp, n, err = varint(b, typ, "timestamp")
		case metricDatatype:
			u, n, err = varint(b, typ, "datatype")
			m.Datatype = DataType(uint32(u))
		case metricIsNull:
			u, n, err = varint(b, typ, "is_null")
			m.IsNull = u != 0
		case metricIntValue:
			u, n, err = varint(b, typ, "int_value")
			m.Value = uint32(u)
		case metricLongValue:
			m.Value, n, err = varint(b, typ, "long_value")
		case metricFloatValue:
			if typ != protowire.Fixed32Type {
				return Metric{}, wireTypeError("float_value", typ, protowire.Fixed32Type)
			}
			var f uint32
			f, n = protowire.ConsumeFixed32(b)
			m.Value = math.Float32frombits(f)
		case metricDoubleValue:
			if typ != protowire.Fixed64Type {
				return Metric{}, wireTypeError("double_value", typ, protowire.Fixed64Type)
			}
			var f uint64
			f, n = protowire.ConsumeFixed64(b)
			m.Value = math.Float64frombits(f)
		case metricBooleanValue:
			u, n, err = varint(b, typ, "boolean_value")
			m.Value = u != 0
		case metricStringValue:
			v, n, err = lengthDelimited(b, typ, "string_value")
			m.Value = string(v)
		case metricBytesValue:
			v, n, err = lengthDelimited(b, typ, "bytes_value")
			m.Value = append([]byte{}, v...)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if err != nil {
			return Metric{}, err
		}
		if n < 0 {
			return Metric{}, fmt.Errorf("field %d: %w", num, protowire.ParseError(n))
		}
		b = b[n:]
	}
	if m.IsNull {
		m.Value = nil
		return m, nil
	}
	v, err := typed(m.Datatype, m.Value)
	if err != nil {
		return Metric{}, fmt.Errorf("%q: %w", m.Name, err)
	}
	m.Value = v
	return m, nil
}

func varint(b []byte, typ protowire.Type, field string) (uint64, int, error) {
	if typ != protowire.VarintType {
		return 0, 0, wireTypeError(field, typ, protowire.VarintType)
	}
	v, n := protowire.ConsumeVarint(b)
	if n < 0 {
		return 0, 0, fmt.Errorf("%s: %w", field, protowire.ParseError(n))
	}
	return v, n, nil
}

func lengthDelimited(b []byte, typ protowire.Type, field string) ([]byte, int, error) {
	if typ != protowire.BytesType {
		return nil, 0, wireTypeError(field, typ, protowire.BytesType)
	}
	v, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return nil, 0, fmt.Errorf("%s: %w", field, protowire.ParseError(n))
	}
	return v, n, nil
}

func wireTypeError(field string, got, want protowire.Type) error {
	return fmt.Errorf("%s has wire type %d, want %d", field, got, want)
}
