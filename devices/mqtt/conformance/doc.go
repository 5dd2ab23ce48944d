// Package conformance holds the differential tests of the embedded MQTT
// broker: every scenario runs against the gateway (the tidegate binary,
// with its stream ingest on streams/…) and against Mosquitto, driven by
// the same real clients — paho Go for MQTT 3.1.1 and 5, the Mosquitto
// command-line clients, Debian's python3-paho-mqtt, and a raw client for
// what well-behaved clients never send — and what each client observes
// must be the same. Mosquitto is the oracle: a difference fails the test
// unless it is listed, with its reason, in the table in
// differences_test.go, and docs/devices.md lists the same.
//
// Run it with go test ./devices/mqtt/conformance/ (it builds the gateway
// once). Without Mosquitto, its clients or python3-paho-mqtt, the parts
// that need them skip, except under CI=true, where they fail.
package conformance
