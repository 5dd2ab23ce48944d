package decode

import (
	"errors"
	"reflect"
	"testing"
)

func TestSpecNew(t *testing.T) {
	tests := []struct {
		name string
		s    Spec
		want Decoder
		err  string
	}{
		{name: "json", s: Spec{"json", &JSON{Fields: map[string]string{"t": "env.t"}, DeviceField: "id", TimeField: "ts", TimeFormat: "unix_ms"}},
			want: &JSON{Fields: map[string]string{"t": "env.t"}, DeviceField: "id", TimeField: "ts", TimeFormat: TimeUnixMS}},
		{name: "csv", s: Spec{"csv", &CSV{TimeField: "ts"}}, want: &CSV{TimeField: "ts"}},
		{name: "number", s: Spec{"number", &Number{Field: "temp"}}, want: &Number{Field: "temp"}},
		{name: "raw", s: Spec{"raw", &Raw{}}, want: Raw{}},

		{name: "no type", s: Spec{}, err: `decode: config: type "" is not one of [csv json number raw]`},
		{name: "unknown type", s: Spec{Type: "xml"}, err: `decode: config: type "xml" is not one of [csv json number raw]`},
		{name: "another type's config", s: Spec{"json", &CSV{}}, err: `decode: config: *decode.CSV is not a configuration of type json`},
		{name: "bad time format", s: Spec{"json", &JSON{TimeField: "ts", TimeFormat: "iso"}},
			err: `decode: config: time_format "iso" is unknown: want unix, unix_ms or rfc3339`},
		{name: "format without field", s: Spec{"json", &JSON{TimeFormat: "unix"}}, err: `decode: config: time_format "unix" needs a time_field`},
		{name: "empty input path", s: Spec{"csv", &CSV{Fields: map[string]string{"t": ""}}}, err: `decode: config: fields: "t" has no input field`},
		{name: "empty output name", s: Spec{"json", &JSON{Fields: map[string]string{"": "t"}}}, err: `decode: config: fields: an output name is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.s.New(Env{})
			if tt.err != "" {
				if err == nil || err.Error() != tt.err || !errors.Is(err, ErrConfig) {
					t.Fatalf("error = %v, want %s", err, tt.err)
				}
				if tt.s.Config != nil && tt.s.Validate() == nil && tt.name != "another type's config" {
					t.Errorf("Validate accepted what New refuses")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("New = %#v, want %#v", got, tt.want)
			}
			if any(got) == any(tt.s.Config) && reflect.TypeOf(got).Kind() == reflect.Pointer {
				t.Error("the decoder is the configuration itself, not a copy")
			}
		})
	}
}
