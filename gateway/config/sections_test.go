package config

import "testing"

// TestTypedSectionErrors: in every type:-switched section (to, transform,
// a subscription's decoder, a sensor), a key the type does not take is
// reported at its own line and column, named, with the keys the type takes.
func TestTypedSectionErrors(t *testing.T) {
	for name, tc := range map[string]struct{ yaml, want string }{
		"misspelled key": {"deliveries:\n  - name: d\n    from: s\n    to:\n      type: file\n      path: /x\n",
			`t.yaml:6:7: unknown field "path" in deliveries[0].to: destination type file takes compression, dir, error_prefix, prefix`},
		"misspelled key in a flow mapping": {"deliveries:\n  - {name: d, from: s, to: {type: file, dir: /x, prefx: p}}\n",
			`t.yaml:2:50: unknown field "prefx" in deliveries[0].to: destination type file takes compression, dir, error_prefix, prefix`},
		"key of a nested mapping": {"deliveries:\n  - name: d\n    from: s\n    to:\n      type: kafka\n      brokers: [k:9092]\n      topic: t\n      sasl:\n        mechanism: plain\n        user: u\n",
			`t.yaml:10:9: unknown field "user" in deliveries[0].to.sasl: destination type kafka takes mechanism, password, password_env, password_file, username there`},
		"unknown type": {"deliveries:\n  - name: d\n    from: s\n    to:\n      type: ftp\n",
			`t.yaml:5:13: deliveries[0].to.type: "ftp" is not one of file, firehose, http, kafka, kinesis, nats, s3`},
		"no type": {"deliveries:\n  - name: d\n    from: s\n    to:\n      dir: /x\n",
			`t.yaml:5:7: deliveries[0].to: needs a type: one of file, firehose, http, kafka, kinesis, nats, s3`},
		"transform key": {"deliveries:\n  - name: d\n    from: s\n    to: {type: file, dir: /x}\n    transform:\n      type: command\n      command: [t.py]\n      url: http://x\n",
			`t.yaml:8:7: unknown field "url" in deliveries[0].transform: transform type command takes command, delivery_stream_arn, env, max_payload, max_records, region, retries, timeout`},
		"decoder key": {"mqtt:\n  subscriptions:\n    - topic: a/+\n      stream: s\n      decoder:\n        type: json\n        time_fild: ts\n",
			`t.yaml:7:9: unknown field "time_fild" in mqtt.subscriptions[0].decoder: decoder type json takes device_field, fields, time_field, time_format`},
		"decoder without keys": {"mqtt:\n  subscriptions:\n    - {topic: a/+, stream: s, decoder: {type: sparkplug, field: x}}\n",
			`t.yaml:3:58: unknown field "field" in mqtt.subscriptions[0].decoder: decoder type sparkplug takes no other key`},
		"decoder type": {"mqtt:\n  subscriptions:\n    - {topic: a/+, stream: s, decoder: {type: xml}}\n",
			`t.yaml:3:47: mqtt.subscriptions[0].decoder.type: "xml" is not one of csv, json, number, raw, sparkplug`},
		"decoder validation": {"mqtt:\n  subscriptions:\n    - {topic: a/+, stream: s, decoder: {type: json, time_format: unix}}\n",
			`t.yaml:1:1: mqtt: subscriptions[0]: decoder: decode: config: time_format "unix" needs a time_field`},
		"sensor key": {"sensors:\n  - name: air\n    type: bme280\n    stream: s\n    interval: 1s\n    pin: GPIO4\n",
			`t.yaml:6:5: unknown field "pin" in sensors[0]: sensor type bme280 takes address, bus, i2c_bus, interval, name, spi_port, stream`},
		"sensor channel key": {"sensors:\n  - name: tank\n    type: ads1115\n    stream: s\n    interval: 1s\n    channels:\n      - {name: p, input: \"0\", gian: 2}\n",
			`t.yaml:7:31: unknown field "gian" in sensors[0].channels[0]: sensor type ads1115 takes gain, input, name, offset, scale, unit there`},
		"sensor driver key": {"sensors:\n  - {name: air, driver: bme280, stream: s, interval: 1s}\n",
			`t.yaml:2:5: sensors[0]: needs a type: one of ads1115, aht20, bme280, bmp280, ds18b20, gpio, scd4x`},
		"sensor validation": {"sensors:\n  - {name: meter, type: gpio, stream: s, interval: 1s, mode: count, edge: up}\n",
			"t.yaml:2:3: sensors[0]: sensor \"meter\": pin: is required (e.g. GPIO17)\nt.yaml:2:3: sensors[0]: sensor \"meter\": edge: \"up\": want rising, falling or both"},
		"transform type": {"deliveries:\n  - name: d\n    from: s\n    to: {type: file, dir: /x}\n    transform: {type: lambda}\n",
			`t.yaml:5:23: deliveries[0].transform.type: "lambda" is not one of command, http`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.yaml), nil)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error:\n%v\nwant:\n%s", err, tc.want)
			}
		})
	}
}
