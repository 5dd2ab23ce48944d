package decode

import "strconv"

// Number decodes a payload that is one plain number ("21.5\n"), as many
// simple sensors and Tasmota-style topics publish.
type Number struct {
	// Field names the value in the reading; "" means "value".
	Field string `yaml:"field"`
}

var _ Decoder = (*Number)(nil)

// maxNumberLen bounds a payload that can still be a number, so an error
// does not quote a megabyte back.
const maxNumberLen = 64

// Decode implements Decoder.
func (n *Number) Decode(m Message) ([]Reading, error) {
	field := n.Field
	if field == "" {
		field = "value"
	}
	if len(m.Payload) > maxNumberLen {
		return nil, payloadErrorf("number: payload is %d bytes, too long for a number", len(m.Payload))
	}
	v, ok := parseNumber(string(m.Payload))
	if !ok {
		return nil, payloadErrorf("number: payload %s is not a number", strconv.Quote(string(m.Payload)))
	}
	values := map[string]any{field: v}
	data, err := compact(values)
	if err != nil {
		return nil, payloadErrorf("number: %v", err)
	}
	return []Reading{{Data: data, Values: values}}, nil
}
