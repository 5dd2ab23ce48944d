package decode

import (
	"errors"
	"testing"
)

func TestNumber(t *testing.T) {
	tests := []struct {
		name    string
		dec     Number
		payload string
		data    string
		value   any
		err     string
	}{
		{name: "float with newline", payload: "21.5\n", data: `{"value":21.5}`, value: 21.5},
		{name: "integer", payload: "42", data: `{"value":42}`, value: int64(42)},
		{name: "negative exponent", payload: " -1.5e-3 ", data: `{"value":-0.0015}`, value: -0.0015},
		{name: "named field", dec: Number{Field: "temperature"}, payload: "7", data: `{"temperature":7}`, value: int64(7)},
		{name: "text", payload: "on", err: `decode: number: payload "on" is not a number`},
		{name: "empty", payload: "", err: `decode: number: payload "" is not a number`},
		{name: "NaN", payload: "NaN", err: `decode: number: payload "NaN" is not a number`},
		{name: "too long", payload: string(make([]byte, 65)), err: `decode: number: payload is 65 bytes, too long for a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.dec.Decode(Message{Payload: []byte(tt.payload)})
			if tt.err != "" {
				if err == nil || err.Error() != tt.err || !errors.Is(err, ErrBadPayload) {
					t.Fatalf("error = %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			field := tt.dec.Field
			if field == "" {
				field = "value"
			}
			if len(got) != 1 || string(got[0].Data) != tt.data || got[0].Values[field] != tt.value {
				t.Errorf("got %#v, want data %s value %v", got, tt.data, tt.value)
			}
		})
	}
}

func FuzzNumber(f *testing.F) {
	for _, s := range []string{"21.5\n", "42", "-0", "1e400", "x"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		rs, err := (&Number{}).Decode(Message{Payload: payload})
		if err != nil {
			if !errors.Is(err, ErrBadPayload) {
				t.Fatalf("error %v is not ErrBadPayload", err)
			}
			return
		}
		if len(rs) != 1 || len(rs[0].Data) == 0 {
			t.Fatalf("readings = %#v", rs)
		}
	})
}
