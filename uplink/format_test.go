package uplink

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"
)

func TestFormatJSONLine(t *testing.T) {
	at := time.Date(2026, 11, 28, 7, 0, 0, 123e6, time.UTC)
	r := Record{Stream: "sensors", PartitionKey: "dev\"1\n\xff", Sequence: "49000", Arrival: at}
	tests := []struct {
		name, raw string
		want      map[string]any
	}{
		{"json data inline", "{\n \"t\": 21.5 }", map[string]any{"data": map[string]any{"t": 21.5}}},
		{"binary as base64", "\x00\x01not json", map[string]any{"data_base64": base64.StdEncoding.EncodeToString([]byte("\x00\x01not json"))}},
		{"empty as base64", "", map[string]any{"data_base64": ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			line := appendFormatted(nil, FormatJSON, &r, []byte(tc.raw))
			if bytes.Count(line, []byte("\n")) != 1 || line[len(line)-1] != '\n' {
				t.Fatalf("not one line: %q", line)
			}
			var got map[string]any
			if err := json.Unmarshal(line, &got); err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			if got["stream"] != "sensors" || got["partition_key"] != "dev\"1\n\ufffd" || got["sequence_number"] != "49000" || got["arrival"] != "2026-11-28T07:00:00.123Z" {
				t.Errorf("metadata wrong: %v", got)
			}
			for k, v := range tc.want {
				gj, _ := json.Marshal(got[k])
				wj, _ := json.Marshal(v)
				if !bytes.Equal(gj, wj) {
					t.Errorf("%s = %s, want %s", k, gj, wj)
				}
			}
		})
	}
	if got := appendFormatted(nil, FormatRaw, &r, []byte("as is")); string(got) != "as is" {
		t.Errorf("raw: %q", got)
	}
}

func FuzzFormatJSONLine(f *testing.F) {
	f.Add("k", []byte(`{"a":1}`))
	f.Add("\u2028<>&", []byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, key string, raw []byte) {
		r := Record{Stream: "s", PartitionKey: key, Sequence: "1", Arrival: time.Unix(0, 0)}
		line := appendFormatted(nil, FormatJSON, &r, raw)
		var got map[string]any
		if err := json.Unmarshal(line, &got); err != nil {
			t.Fatalf("%q is not JSON: %v", line, err)
		}
		if bytes.Count(line, []byte("\n")) != 1 {
			t.Fatalf("not one line: %q", line)
		}
	})
}
