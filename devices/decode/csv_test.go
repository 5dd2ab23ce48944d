package decode

import (
	"errors"
	"testing"
	"time"
)

func TestCSV(t *testing.T) {
	type want struct {
		device string
		time   time.Time
		data   string
	}
	tests := []struct {
		name    string
		dec     CSV
		payload string
		want    []want
		err     string
	}{
		{name: "all columns", payload: "t,state\n21.5,on\n22,off\n",
			want: []want{{data: `{"state":"on","t":21.5}`}, {data: `{"state":"off","t":22}`}}},
		{name: "select, rename, device, time",
			dec:     CSV{Fields: map[string]string{"temperature": "t"}, DeviceField: "id", TimeField: "ts", TimeFormat: TimeUnix},
			payload: "id,ts,t,junk\na1,1700000000,21.5,x\na2,1700000060,-3,y",
			want: []want{
				{device: "a1", time: time.Unix(1700000000, 0), data: `{"temperature":21.5}`},
				{device: "a2", time: time.Unix(1700000060, 0), data: `{"temperature":-3}`},
			}},
		{name: "rfc3339 and quoted cells", dec: CSV{TimeField: "when", Fields: map[string]string{"note": "note"}},
			payload: "when,note\n2024-05-01T10:00:00Z,\"a, b\"\n",
			want:    []want{{time: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), data: `{"note":"a, b"}`}}},
		{name: "CRLF and empty cell", payload: "a,b\r\n1,\r\n", want: []want{{data: `{"a":1,"b":""}`}}},

		{name: "empty", payload: "", err: `decode: csv: payload is empty, want a header line and rows`},
		{name: "header only", payload: "a,b\n", err: `decode: csv: no rows after the header`},
		{name: "duplicate column", payload: "a,a\n1,2\n", err: `decode: csv: header names column "a" twice`},
		{name: "ragged row", payload: "a,b\n1,2\n3\n", err: `decode: csv: record on line 3: wrong number of fields`},
		{name: "missing column", dec: CSV{Fields: map[string]string{"x": "temp"}}, payload: "a\n1\n",
			err: `decode: csv: line 2: field "temp" is missing`},
		{name: "bad time", dec: CSV{TimeField: "ts", TimeFormat: TimeUnixMS}, payload: "ts\n1\nsoon\n",
			err: `decode: csv: line 3: time field "ts" is "soon", want unix milliseconds`},
		{name: "empty device", dec: CSV{DeviceField: "id"}, payload: "id,v\n,1\n",
			err: `decode: csv: line 2: device field "id" is empty`},
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
			if len(got) != len(tt.want) {
				t.Fatalf("got %d readings, want %d", len(got), len(tt.want))
			}
			for i, w := range tt.want {
				r := got[i]
				if string(r.Data) != w.data || r.Device != w.device || !r.Time.Equal(w.time) {
					t.Errorf("reading %d = {%q %q %v}, want {%q %q %v}", i, r.Data, r.Device, r.Time, w.data, w.device, w.time)
				}
			}
		})
	}
}

func FuzzCSV(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "id,ts,t\nx,1700000000,1\n", "\"", "a\n\"x\"\"\n"} {
		f.Add([]byte(s))
	}
	decoders := []CSV{{}, {Fields: map[string]string{"t": "t"}, DeviceField: "id", TimeField: "ts"}}
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, d := range decoders {
			rs, err := d.Decode(Message{Payload: payload})
			if err != nil {
				if !errors.Is(err, ErrBadPayload) {
					t.Fatalf("error %v is not ErrBadPayload", err)
				}
				continue
			}
			if len(rs) == 0 {
				t.Fatal("no readings and no error")
			}
		}
	})
}
