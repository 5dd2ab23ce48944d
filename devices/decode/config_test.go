package decode

import (
	"errors"
	"reflect"
	"testing"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name string
		c    Config
		want Decoder
		err  string
	}{
		{name: "json", c: Config{Type: "json", Fields: map[string]string{"t": "env.t"}, DeviceField: "id", TimeField: "ts", TimeFormat: "unix_ms"},
			want: &JSON{Fields: map[string]string{"t": "env.t"}, DeviceField: "id", TimeField: "ts", TimeFormat: TimeUnixMS}},
		{name: "csv", c: Config{Type: "csv", TimeField: "ts"}, want: &CSV{TimeField: "ts"}},
		{name: "number", c: Config{Type: "number", Field: "temp"}, want: &Number{Field: "temp"}},
		{name: "raw", c: Config{Type: "raw"}, want: Raw{}},

		{name: "no type", c: Config{}, err: `decode: config: type is required: json, number, csv, raw or sparkplug`},
		{name: "unknown type", c: Config{Type: "xml"}, err: `decode: config: type "xml" is unknown: want json, number, csv, raw or sparkplug`},
		{name: "sparkplug", c: Config{Type: "sparkplug"}, err: `decode: config: type sparkplug keeps session state: build it with devices/sparkplug.NewDecoder`},
		{name: "bad time format", c: Config{Type: "json", TimeField: "ts", TimeFormat: "iso"},
			err: `decode: config: time_format "iso" is unknown: want unix, unix_ms or rfc3339`},
		{name: "format without field", c: Config{Type: "json", TimeFormat: "unix"}, err: `decode: config: time_format "unix" needs a time_field`},
		{name: "empty input path", c: Config{Type: "csv", Fields: map[string]string{"t": ""}}, err: `decode: config: fields: "t" has no input field`},
		{name: "empty output name", c: Config{Type: "json", Fields: map[string]string{"": "t"}}, err: `decode: config: fields: an output name is empty`},
		{name: "field on json", c: Config{Type: "json", Field: "v"}, err: `decode: config: type json takes no field`},
		{name: "options on number", c: Config{Type: "number", DeviceField: "id", TimeField: "ts"}, err: `decode: config: type number takes no device_field, time_field`},
		{name: "options on raw", c: Config{Type: "raw", Fields: map[string]string{"a": "b"}}, err: `decode: config: type raw takes no fields`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := New(tt.c)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err || !errors.Is(err, ErrConfig) {
					t.Fatalf("error = %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("New = %#v, want %#v", got, tt.want)
			}
		})
	}
}
