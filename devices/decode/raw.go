package decode

// Raw keeps the payload as the record's data, byte for byte.
type Raw struct{}

var _ Decoder = Raw{}

// Decode implements Decoder. The payload is copied: a reading outlives the
// message, whose buffer belongs to the MQTT client.
func (Raw) Decode(m Message) ([]Reading, error) {
	return []Reading{{Data: append([]byte(nil), m.Payload...)}}, nil
}
