package decode_test

import (
	"fmt"

	"github.com/tidegate/tidegate/devices/decode"
)

func ExampleSpec_New() {
	show := func(typ string, c decode.Config, payload string) {
		d, err := decode.Spec{Type: typ, Config: c}.New(decode.Env{})
		if err != nil {
			fmt.Println(err)
			return
		}
		rs, err := d.Decode(decode.Message{Topic: "sensors/a1", Payload: []byte(payload)})
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, r := range rs {
			fmt.Printf("device=%q time=%s data=%s\n", r.Device, r.Time.UTC().Format("2006-01-02T15:04:05Z"), r.Data)
		}
	}
	show("json", &decode.JSON{Fields: map[string]string{"temperature": "env.t"}, DeviceField: "id", TimeField: "ts"},
		`{"id":"a1","ts":1714557600,"env":{"t":21.5,"h":40}}`)
	show("number", &decode.Number{}, "21.5\n")
	show("csv", &decode.CSV{DeviceField: "id", Fields: map[string]string{"t": "temp"}}, "id,temp\na1,21.5\na2,19\n")
	show("raw", &decode.Raw{}, "ON")
	show("json", &decode.JSON{TimeField: "ts", TimeFormat: "unix"}, `{"ts":"noon"}`)
	// Output:
	// device="a1" time=2024-05-01T10:00:00Z data={"temperature":21.5}
	// device="" time=0001-01-01T00:00:00Z data={"value":21.5}
	// device="a1" time=0001-01-01T00:00:00Z data={"t":21.5}
	// device="a2" time=0001-01-01T00:00:00Z data={"t":19}
	// device="" time=0001-01-01T00:00:00Z data=ON
	// decode: json: time field "ts" is "noon", want unix seconds
}
