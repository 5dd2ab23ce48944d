// Package decode turns MQTT payloads into records: JSON (field selection and
// renaming), plain numbers, CSV with a header, raw bytes. It holds the
// registry of payload formats ([Register]); these four register themselves
// here, and Sparkplug B, which keeps session state, registers from
// devices/sparkplug.
package decode

import "time"

// Message is an MQTT message as a decoder sees it.
type Message struct {
	Topic   string
	Payload []byte
}

// Reading is what a decoder makes of a message: one record.
type Reading struct {
	// Device is the device id and the record's partition key; "" lets the
	// subscription's device rule (a topic level) decide.
	Device string
	// Time is when the value was measured; zero means arrival time.
	Time time.Time
	// Data is the record's data.
	Data []byte
	// Values are the reading's named values, flat, for the device
	// registry's "last values"; nil when the payload has none (raw).
	Values map[string]any
}

// Decoder decodes one message into zero or more readings. An error means
// the payload is bad: the caller dead-letters it with the error.
type Decoder interface {
	Decode(m Message) ([]Reading, error)
}
