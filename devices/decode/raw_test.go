package decode

import (
	"bytes"
	"testing"
)

func TestRaw(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
	}{
		{"text", []byte("hello")},
		{"binary", []byte{0, 0xff, 0x10}},
		{"empty", []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := bytes.Clone(tt.payload)
			got, err := Raw{}.Decode(Message{Payload: payload})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !bytes.Equal(got[0].Data, tt.payload) || got[0].Values != nil {
				t.Fatalf("got %#v", got)
			}
			if len(payload) > 0 {
				payload[0] ^= 1 // the reading must not share the message's buffer
				if !bytes.Equal(got[0].Data, tt.payload) {
					t.Error("reading aliases the payload")
				}
			}
		})
	}
}

func FuzzRaw(f *testing.F) {
	f.Add([]byte("x"))
	f.Fuzz(func(t *testing.T, payload []byte) {
		got, err := Raw{}.Decode(Message{Payload: payload})
		if err != nil || len(got) != 1 || !bytes.Equal(got[0].Data, payload) {
			t.Fatalf("got %#v, %v", got, err)
		}
	})
}
