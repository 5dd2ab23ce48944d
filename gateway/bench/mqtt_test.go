package bench

import (
	"errors"
	"strings"
	"testing"
)

func TestMQTTLoss(t *testing.T) {
	ok := MQTTRun{Published: 100, Stored: 100}
	tests := []struct {
		name string
		in   MQTTResult
		want []string // in the error; none: no error
	}{
		{"nothing lost", MQTTResult{Embedded: ok, Mosquitto: &ok}, nil},
		{"mosquitto skipped", MQTTResult{Embedded: ok, MosquittoSkip: "not installed"}, nil},
		{"embedded lost", MQTTResult{Embedded: MQTTRun{Published: 100, Stored: 97, Lost: 3}, Mosquitto: &ok},
			[]string{"embedded broker", "messages lost: 3", "100 published", "97 stored"}},
		{"duplicates via mosquitto", MQTTResult{Embedded: ok, Mosquitto: &MQTTRun{Published: 100, Stored: 102, Lost: -2}},
			[]string{"via mosquitto", "messages lost: -2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.in.Loss()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			if !errors.Is(err, ErrLost) {
				t.Fatalf("err = %v, want ErrLost", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
		})
	}
}
