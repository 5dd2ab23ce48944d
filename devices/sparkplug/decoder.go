package sparkplug

import "github.com/tidegate/tidegate/devices/decode"

// Decoder adapts a Session to decode.Decoder for the MQTT layer, which
// treats every subscription's decoder alike. What a reading cannot carry
// goes to the callbacks: rebirth requests to publish, and devices going
// online or offline for the device registry.
type Decoder struct {
	session   Session
	onRebirth func(Command)
	onStatus  func(device string, online bool)
}

var _ decode.Decoder = (*Decoder)(nil)

// NewDecoder returns a Decoder with a fresh session. Either callback may be
// nil. They run on the decoding goroutine, outside the session's lock, so
// they may publish; they should not block for long.
func NewDecoder(onRebirth func(Command), onStatus func(device string, online bool)) *Decoder {
	return &Decoder{onRebirth: onRebirth, onStatus: onStatus}
}

// Decode implements decode.Decoder. A message without values (a death, a
// STATE or command topic) yields no readings and no error.
func (d *Decoder) Decode(m decode.Message) ([]decode.Reading, error) {
	res, err := d.session.Handle(m)
	if d.onStatus != nil {
		for _, id := range res.Offline {
			d.onStatus(id, false)
		}
		for _, id := range res.Online {
			d.onStatus(id, true)
		}
	}
	if d.onRebirth != nil {
		for _, c := range res.Rebirth {
			d.onRebirth(c)
		}
	}
	if err != nil {
		return nil, err
	}
	return res.Readings, nil
}
