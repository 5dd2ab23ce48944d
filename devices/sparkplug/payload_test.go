package sparkplug

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

func u64(v uint64) *uint64 { return &v }

func TestPayloadRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		p    Payload
	}{
		{"empty", Payload{}},
		{"header", Payload{Timestamp: 1700000000123, Seq: u64(0), UUID: "u-1", Body: []byte{1, 2}}},
		{"scalars", Payload{Timestamp: 1, Seq: u64(255), Metrics: []Metric{
			{Name: "i8", Alias: u64(1), Datatype: Int8, Value: int64(-5)},
			{Name: "i16", Datatype: Int16, Value: int64(-32768)},
			{Name: "i32", Datatype: Int32, Value: int64(math.MinInt32)},
			{Name: "i64", Datatype: Int64, Value: int64(math.MinInt64)},
			{Name: "u8", Datatype: UInt8, Value: uint64(255)},
			{Name: "u16", Datatype: UInt16, Value: uint64(65535)},
			{Name: "u32", Datatype: UInt32, Value: uint64(math.MaxUint32)},
			{Name: "u64", Datatype: UInt64, Value: uint64(math.MaxUint64)},
			{Name: "f", Datatype: Float, Value: float32(21.5), Timestamp: 99},
			{Name: "d", Datatype: Double, Value: 3.25},
			{Name: "b", Datatype: Boolean, Value: true},
			{Name: "s", Datatype: String, Value: "héllo"},
			{Name: "txt", Datatype: Text, Value: "long"},
			{Name: "uuid", Datatype: UUID, Value: "0b7e"},
			{Name: "dt", Datatype: DateTime, Value: uint64(1700000000000)},
			{Name: "raw", Datatype: Bytes, Value: []byte{0, 1}},
			{Name: "nothing", Datatype: Double, IsNull: true},
		}}},
		{"alias only, wire types", Payload{Metrics: []Metric{
			{Alias: u64(7), Value: uint32(3)},
			{Alias: u64(8), Value: uint64(1 << 40)},
			{Alias: u64(9), Value: float32(1.5)},
			{Alias: u64(10), Value: "x"},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(Encode(tt.p))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.p) {
				t.Errorf("round trip:\n got %#v\nwant %#v", got, tt.p)
			}
		})
	}
}

// TestEncodeGoIntegers: Encode takes any Go integer for an integer datatype.
func TestEncodeGoIntegers(t *testing.T) {
	p := Payload{Metrics: []Metric{{Name: "a", Datatype: Int16, Value: -2}, {Name: "b", Datatype: UInt8, Value: uint8(7)}}}
	got, err := Decode(Encode(p))
	if err != nil {
		t.Fatal(err)
	}
	if got.Metrics[0].Value != int64(-2) || got.Metrics[1].Value != uint64(7) {
		t.Errorf("values = %#v, %#v", got.Metrics[0].Value, got.Metrics[1].Value)
	}
}

func TestDecodeErrors(t *testing.T) {
	metric := func(fields ...byte) []byte {
		b := protowire.AppendTag(nil, payloadMetrics, protowire.BytesType)
		return protowire.AppendBytes(b, fields)
	}
	tests := []struct {
		name string
		in   []byte
		err  string
	}{
		{"truncated tag", []byte{0x80}, "sparkplug: bad payload: unexpected EOF"},
		{"truncated metric", []byte{0x12, 0x05, 0x0a}, "sparkplug: bad payload: metric: unexpected EOF"},
		{"timestamp as string", []byte{0x0a, 0x01, 'x'}, "sparkplug: bad payload: timestamp has wire type 2, want 0"},
		{"float as varint", metric(0x60, 0x01), "sparkplug: bad payload: metric 0: float_value has wire type 0, want 5"},
		{"datatype mismatch", metric(0x0a, 0x01, 'm', 0x20, byte(Boolean), 0x7a, 0x01, 'x'),
			`sparkplug: bad payload: metric 0: "m": datatype Boolean with a string value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.in)
			if err == nil || err.Error() != tt.err || !errors.Is(err, ErrBadPayload) {
				t.Fatalf("error = %v, want %s", err, tt.err)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode(Payload{Timestamp: 5, Seq: u64(1), Metrics: []Metric{{Name: "t", Alias: u64(1), Datatype: Float, Value: float32(2)}}}))
	f.Add(Encode(Payload{Metrics: []Metric{{Alias: u64(1), Value: uint64(9)}, {Name: "n", IsNull: true}}}))
	f.Add([]byte{0x12, 0x05, 0x0a})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrBadPayload) {
				t.Fatalf("error %v is not ErrBadPayload", err)
			}
			return
		}
		// What decodes re-encodes stably.
		once := Encode(p)
		p2, err := Decode(once)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if twice := Encode(p2); !bytes.Equal(once, twice) {
			t.Fatalf("encode not stable:\n%x\n%x", once, twice)
		}
	})
}
