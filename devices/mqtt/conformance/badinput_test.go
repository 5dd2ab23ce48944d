package conformance

import (
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/tidegate/tidegate/devices/mqtt/mqtttest"
)

// badInput sends what a broken client sends, then writes down how the
// broker ends the connection, what a subscriber got, and that the broker
// still takes a new client.
func badInput(send func(s *script, c *rawClient)) func(s *script) {
	return func(s *script) {
		w := s.subscriber("watcher", sub{filter: s.topic("#"), qos: 1})
		c := s.raw("bad")
		s.log("%s", c.connect(connOpts{clean: true, will: &will{topic: s.topic("will"), payload: "bad client", qos: 1}}))
		send(s, c)
		s.log("connection: %s", c.ended(3*time.Second))
		s.logAll("watcher", w.received(quiet))
		w.disconnect()
		n := s.raw("next")
		s.log("a new client: %s", n.connect(s.clean()))
		n.disconnect()
	}
}

// sendBytes sends a packet whose bytes no encoder makes.
func sendBytes(b []byte) func(s *script, c *rawClient) {
	return func(s *script, c *rawClient) {
		if err := c.c.SendRaw(b); err != nil {
			s.log("send: %v", err)
		}
	}
}

var badInputScenarios = []scenario{
	{name: "wildcard in a PUBLISH topic", kinds: []string{raw3, raw5}, run: badInput(func(s *script, c *rawClient) {
		if err := c.c.Send(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: 1}, PacketID: 1,
			TopicName: s.topic("+/x"), Payload: []byte("wild")}); err != nil {
			s.log("send: %v", err)
		}
	})},
	{name: "invalid UTF-8 topic", kinds: []string{raw3, raw5}, run: badInput(func(s *script, c *rawClient) {
		if err := c.c.Send(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: 1}, PacketID: 1,
			TopicName: s.topic("bad\xff\xfe"), Payload: []byte("utf")}); err != nil {
			s.log("send: %v", err)
		}
	})},
	{name: "malformed remaining length", kinds: []string{raw3, raw5},
		// Five length bytes: more than MQTT's four (a packet over 256 MB).
		run: badInput(sendBytes([]byte{0x30, 0xff, 0xff, 0xff, 0xff, 0x7f}))},
	{name: "second CONNECT", kinds: []string{raw3, raw5}, run: badInput(func(s *script, c *rawClient) {
		if err := c.c.Send(c.connectPacket(connOpts{clean: true})); err != nil {
			s.log("second CONNECT: %v", err)
		}
	})},
	{name: "PUBLISH before CONNECT", kinds: []string{raw3, raw5}, run: func(s *script) {
		c, err := mqtttest.Dial(s.b.addr(), version(s.kind))
		if err != nil {
			s.log("dial: %v", err)
			return
		}
		r := &rawClient{c: c, version: version(s.kind)}
		if err := c.Send(r.publishPacket(msg{topic: s.topic("early"), payload: "x", qos: 1})); err != nil {
			s.log("send: %v", err)
		}
		s.log("connection: %s", r.ended(3*time.Second))
		n := s.raw("next")
		s.log("a new client: %s", n.connect(s.clean()))
		n.disconnect()
	}},
}
