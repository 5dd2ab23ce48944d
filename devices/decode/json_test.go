package decode

import (
	"errors"
	"testing"
	"time"
)

func TestJSON(t *testing.T) {
	tests := []struct {
		name    string
		dec     JSON
		payload string
		device  string
		time    time.Time
		data    string
		err     string
	}{
		{name: "all top-level fields", payload: `{"t":21.5,"ok":true,"n":3}`, data: `{"n":3,"ok":true,"t":21.5}`},
		{name: "select and rename nested",
			dec:     JSON{Fields: map[string]string{"temperature": "env.t", "status": "s"}},
			payload: `{"env":{"t":21.5,"h":40},"s":"ok","x":1}`, data: `{"status":"ok","temperature":21.5}`},
		{name: "key with a dot", dec: JSON{Fields: map[string]string{"v": "a.b"}}, payload: `{"a.b":1}`, data: `{"v":1}`},
		{name: "device field", dec: JSON{DeviceField: "id", Fields: map[string]string{"t": "t"}},
			payload: `{"id":"pump-7","t":1}`, device: "pump-7", data: `{"t":1}`},
		{name: "numeric device id", dec: JSON{DeviceField: "id", Fields: map[string]string{"t": "t"}},
			payload: `{"id":42,"t":1}`, device: "42", data: `{"t":1}`},
		{name: "unix time", dec: JSON{TimeField: "ts", TimeFormat: TimeUnix, Fields: map[string]string{"t": "t"}},
			payload: `{"ts":1700000000,"t":1}`, time: time.Unix(1700000000, 0), data: `{"t":1}`},
		{name: "unix fractional", dec: JSON{TimeField: "ts", TimeFormat: TimeUnix, Fields: map[string]string{"t": "t"}},
			payload: `{"ts":1700000000.5,"t":1}`, time: time.Unix(1700000000, 5e8), data: `{"t":1}`},
		{name: "unix_ms time", dec: JSON{TimeField: "ts", TimeFormat: TimeUnixMS, Fields: map[string]string{"t": "t"}},
			payload: `{"ts":1700000000123,"t":1}`, time: time.UnixMilli(1700000000123), data: `{"t":1}`},
		{name: "rfc3339 time", dec: JSON{TimeField: "m.ts", TimeFormat: TimeRFC3339, Fields: map[string]string{"t": "t"}},
			payload: `{"m":{"ts":"2024-05-01T10:00:00Z"},"t":1}`, time: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), data: `{"t":1}`},
		{name: "auto seconds", dec: JSON{TimeField: "ts", Fields: map[string]string{"t": "t"}},
			payload: `{"ts":1700000000,"t":1}`, time: time.Unix(1700000000, 0), data: `{"t":1}`},
		{name: "auto millis", dec: JSON{TimeField: "ts", Fields: map[string]string{"t": "t"}},
			payload: `{"ts":1700000000123,"t":1}`, time: time.UnixMilli(1700000000123), data: `{"t":1}`},
		{name: "auto string", dec: JSON{TimeField: "ts", Fields: map[string]string{"t": "t"}},
			payload: `{"ts":"2024-05-01T10:00:00.5+02:00","t":1}`, time: time.Date(2024, 5, 1, 8, 0, 0, 5e8, time.UTC), data: `{"t":1}`},
		{name: "big integer kept exact", payload: `{"c":9007199254740993}`, data: `{"c":9007199254740993}`},

		{name: "not an object", payload: `[1,2]`, err: `decode: json: payload is an array, want an object`},
		{name: "a number", payload: `21.5`, err: `decode: json: payload is a number, want an object`},
		{name: "empty", payload: ``, err: `decode: json: payload is empty, want an object`},
		{name: "syntax", payload: `{"a":`, err: `decode: json: unexpected EOF`},
		{name: "trailing data", payload: `{"a":1} {"b":2}`, err: `decode: json: data after the object`},
		{name: "missing field", dec: JSON{Fields: map[string]string{"temperature": "env.t"}}, payload: `{"env":{}}`,
			err: `decode: json: field "env.t" is missing`},
		{name: "missing device", dec: JSON{DeviceField: "id"}, payload: `{"t":1}`, err: `decode: json: device field "id" is missing`},
		{name: "bad device", dec: JSON{DeviceField: "id"}, payload: `{"id":[1]}`,
			err: `decode: json: device field "id" is an array, want a string`},
		{name: "bad time", dec: JSON{TimeField: "ts", TimeFormat: TimeUnix}, payload: `{"ts":"yesterday"}`,
			err: `decode: json: time field "ts" is "yesterday", want unix seconds`},
		{name: "rfc3339 wants a string", dec: JSON{TimeField: "ts", TimeFormat: TimeRFC3339}, payload: `{"ts":17}`,
			err: `decode: json: time field "ts" is 17, want an RFC 3339 time`},
		{name: "time out of range", dec: JSON{TimeField: "ts"}, payload: `{"ts":1e300}`,
			err: `decode: json: time field "ts" is 1e+300, want unix seconds, unix milliseconds or an RFC 3339 time`},
		{name: "number out of range", payload: `{"x":1e400}`, err: `decode: json: field "x": number 1e400 is out of range`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.dec.Decode(Message{Topic: "t", Payload: []byte(tt.payload)})
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error = %v, want %s", err, tt.err)
				}
				if !errors.Is(err, ErrBadPayload) {
					t.Errorf("error %v is not ErrBadPayload", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("got %d readings, want 1", len(got))
			}
			r := got[0]
			if string(r.Data) != tt.data || r.Device != tt.device || !r.Time.Equal(tt.time) {
				t.Errorf("got {%q %q %v}, want {%q %q %v}", r.Data, r.Device, r.Time, tt.data, tt.device, tt.time)
			}
			if len(r.Values) == 0 {
				t.Errorf("no values")
			}
		})
	}
}

func TestJSONValues(t *testing.T) {
	d := JSON{Fields: map[string]string{"t": "env.t", "n": "n", "s": "s"}}
	got, err := d.Decode(Message{Payload: []byte(`{"env":{"t":21.5},"n":3,"s":"x"}`)})
	if err != nil {
		t.Fatal(err)
	}
	v := got[0].Values
	if v["t"] != 21.5 || v["n"] != int64(3) || v["s"] != "x" || len(v) != 3 {
		t.Errorf("values = %#v", v)
	}
}

func FuzzJSON(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"env":{"t":21.5},"id":"x","ts":1700000000}`, `[]`, `{"ts":"2024-05-01T10:00:00Z"}`, `{"a":1e400}`} {
		f.Add([]byte(s))
	}
	decoders := []JSON{
		{},
		{Fields: map[string]string{"t": "env.t"}, DeviceField: "id", TimeField: "ts"},
		{TimeField: "ts", TimeFormat: TimeUnixMS},
		{TimeField: "ts", TimeFormat: TimeRFC3339},
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, d := range decoders {
			rs, err := d.Decode(Message{Payload: payload})
			if err != nil {
				if !errors.Is(err, ErrBadPayload) {
					t.Fatalf("error %v is not ErrBadPayload", err)
				}
				continue
			}
			if len(rs) != 1 || rs[0].Data == nil {
				t.Fatalf("readings = %#v", rs)
			}
		}
	})
}
