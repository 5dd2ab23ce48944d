package conformance

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// subscriber connects a clean client and subscribes it.
func (s *script) subscriber(role string, subs ...sub) client {
	c := s.client(role)
	c.connect(s.clean())
	s.log("%s %s", role, c.subscribe(subs...))
	return c
}

var subscriptionScenarios = []scenario{
	{name: "repeated subscription", kinds: allKinds, run: func(s *script) {
		c := s.subscriber("sub", sub{filter: s.topic("x"), qos: 1})
		s.log("again %s", c.subscribe(sub{filter: s.topic("x"), qos: 0}))
		s.publishAll(s.topic("x"), 1, "m1")
		s.logAll("sub", c.received(quiet))
		c.disconnect()
	}},
	{name: "overlapping subscriptions", kinds: allKinds, run: func(s *script) {
		c := s.subscriber("sub", sub{filter: s.topic("a/#"), qos: 1})
		s.log("second %s", c.subscribe(sub{filter: s.topic("a/+"), qos: 0}))
		s.publishAll(s.topic("a/x"), 1, "m1")
		s.logAll("sub", sorted(c.received(quiet)))
		c.disconnect()
	}},
	{name: "wildcards", kinds: allKinds, run: func(s *script) {
		c := s.subscriber("plus", sub{filter: s.topic("+/b"), qos: 1})
		d := s.subscriber("hash", sub{filter: s.topic("x/#"), qos: 1})
		for _, t := range []string{"x", "x/b", "y/b", "x/b/c", "x/c", "b"} {
			s.publishAll(s.topic(t), 1, t)
		}
		s.logAll("plus", sorted(c.received(quiet)))
		s.logAll("hash", sorted(d.received(quiet)))
		c.disconnect()
		d.disconnect()
	}},
	{name: "shared subscription", kinds: allKinds, run: func(s *script) {
		f := "$share/g/" + s.topic("s")
		a := s.subscriber("a", sub{filter: f, qos: 1})
		b := s.subscriber("b", sub{filter: f, qos: 1})
		var ps []string
		for i := 1; i <= 6; i++ {
			ps = append(ps, fmt.Sprintf("m%d", i))
		}
		s.publishAll(s.topic("s"), 1, ps...)
		ra, rb := a.received(quiet), b.received(quiet)
		// Which member gets which message is the broker's choice.
		s.log("each message once, to one member: %v", strings.Join(sorted(append(ra, rb...)), ", "))
		a.disconnect()
		b.disconnect()
	}},
	{name: "unsubscribe", kinds: allKinds, run: func(s *script) {
		c := s.subscriber("sub", sub{filter: s.topic("x"), qos: 1})
		s.log("%s", c.unsubscribe(s.topic("x")))
		s.log("again %s", c.unsubscribe(s.topic("x")))
		s.publishAll(s.topic("x"), 1, "m1")
		s.logAll("sub", c.received(quiet))
		c.disconnect()
	}},
	{name: "no local", kinds: v5Kinds, run: func(s *script) {
		c := s.client("sub")
		c.connect(s.clean())
		s.log("%s", c.subscribe(sub{filter: s.topic("n"), qos: 1, noLocal: true}))
		c.publish(msg{topic: s.topic("n"), payload: "own", qos: 1})
		s.publishAll(s.topic("n"), 1, "other")
		s.logAll("sub", c.received(quiet))
		c.disconnect()
	}},
	{name: "retain as published", kinds: v5Kinds, run: func(s *script) {
		a := s.subscriber("rap", sub{filter: s.topic("r"), qos: 1, rap: true})
		b := s.subscriber("plain", sub{filter: s.topic("r"), qos: 1})
		p := s.client("pub")
		p.connect(s.clean())
		p.publish(msg{topic: s.topic("r"), payload: "live", qos: 1, retain: true})
		p.disconnect()
		s.logAll("rap", a.received(quiet))
		s.logAll("plain", b.received(quiet))
		a.disconnect()
		b.disconnect()
	}},
	{name: "retain handling", kinds: v5Kinds, run: func(s *script) {
		p := s.client("pub")
		p.connect(s.clean())
		for _, t := range []string{"r0", "r1", "r2"} {
			p.publish(msg{topic: s.topic(t), payload: t, qos: 1, retain: true})
		}
		p.disconnect()
		settle()
		c := s.client("sub")
		c.connect(s.clean())
		for _, x := range []sub{
			{filter: s.topic("r0"), qos: 1, rh: 0},
			{filter: s.topic("r1"), qos: 1, rh: 1},
			{filter: s.topic("r2"), qos: 1, rh: 2},
			{filter: s.topic("r0"), qos: 1, rh: 0}, // again: sent again
			{filter: s.topic("r1"), qos: 1, rh: 1}, // again: not sent, it exists
		} {
			s.log("%s", c.subscribe(x))
			s.logAll("rh", c.received(quiet))
		}
		c.disconnect()
	}},
}

var messageScenarios = []scenario{
	{name: "publish without subscribers", kinds: allKinds, run: func(s *script) {
		p := s.client("pub")
		p.connect(s.clean())
		for q := byte(0); q <= 2; q++ {
			s.log("qos %d: %s", q, p.publish(msg{topic: s.topic("nobody"), payload: "x", qos: q}))
		}
		p.disconnect()
	}},
	{name: "retained set replace clear", kinds: allKinds, run: func(s *script) {
		live := s.subscriber("live", sub{filter: s.topic("r"), qos: 1})
		p := s.client("pub")
		p.connect(s.clean())
		for _, pl := range []string{"one", "two"} {
			p.publish(msg{topic: s.topic("r"), payload: pl, qos: 1, retain: true})
		}
		c := s.subscriber("late", sub{filter: s.topic("r"), qos: 1})
		s.logAll("late", c.received(quiet))
		c.disconnect()
		p.publish(msg{topic: s.topic("r"), payload: "", qos: 1, retain: true})
		p.disconnect()
		settle()
		c = s.subscriber("after clear", sub{filter: s.topic("r"), qos: 1})
		s.logAll("after clear", c.received(quiet))
		c.disconnect()
		s.logAll("live", live.received(quiet))
		live.disconnect()
	}},
	{name: "qos downgrade", kinds: allKinds, run: func(s *script) {
		c := s.subscriber("sub", sub{filter: s.topic("q0"), qos: 0}, sub{filter: s.topic("q1"), qos: 1}, sub{filter: s.topic("q2"), qos: 2})
		p := s.client("pub")
		p.connect(s.clean())
		for _, t := range []string{"q0", "q1", "q2"} {
			for q := byte(0); q <= 2; q++ {
				if r := p.publish(msg{topic: s.topic(t), payload: fmt.Sprintf("%s-%d", t, q), qos: q}); r != "" {
					s.log("publish %s at %d: %s", t, q, r)
				}
			}
		}
		p.disconnect()
		s.logAll("sub", sorted(c.received(quiet)))
		c.disconnect()
	}},
	{name: "will", kinds: allKinds, run: func(s *script) {
		w := s.subscriber("watcher", sub{filter: s.topic("will/#"), qos: 1})
		o := s.clean()
		o.will = &will{topic: s.topic("will/dropped"), payload: "dropped", qos: 1}
		a := s.client("dies")
		a.connect(o)
		a.drop()
		o.will = &will{topic: s.topic("will/left"), payload: "left", qos: 1, retain: true}
		b := s.client("leaves")
		b.connect(o)
		b.disconnect()
		settle()
		s.logAll("watcher", w.received(quiet))
		w.disconnect()
	}},
	{name: "will delay", kinds: v5Kinds, run: func(s *script) {
		w := s.subscriber("watcher", sub{filter: s.topic("will/#"), qos: 1})
		opts := func(who string) connOpts {
			return connOpts{expiry: u32(60), will: &will{topic: s.topic("will/" + who), payload: who, qos: 1, delay: 2}}
		}
		gone, back := s.client("gone"), s.client("back")
		gone.connect(opts("gone"))
		back.connect(opts("back"))
		gone.drop()
		back.drop()
		time.Sleep(500 * time.Millisecond)
		back = s.client("back")
		s.log("back within the delay: %s", back.connect(opts("back")))
		s.logAll("watcher within the delay", w.received(quiet))
		back.disconnect() // normally: its will is discarded
		// Mosquitto publishes a due will a second or more late.
		var after []string
		for deadline := time.Now().Add(6 * time.Second); len(after) == 0 && time.Now().Before(deadline); {
			after = append(after, w.received(quiet)...)
		}
		s.logAll("watcher after the delay", after)
		w.disconnect()
	}},
	{name: "stream ingest", kinds: allKinds, run: func(s *script) {
		dev := strings.NewReplacer("/", "-", " ", "-").Replace(s.prefix)
		c := s.subscriber("sub", sub{filter: "streams/sensors/" + dev, qos: 1}, sub{filter: "streams/nostream/" + dev, qos: 1})
		p := s.client("pub")
		p.connect(s.clean())
		s.log("%s", p.publish(msg{topic: "streams/sensors/" + dev, payload: `{"t":21.5}`, qos: 1}))
		s.log("%s", p.publish(msg{topic: "streams/nostream/" + dev, payload: "x", qos: 1}))
		p.disconnect()
		s.logAll("sub", c.received(quiet))
		c.disconnect()
	}},
	{name: "in-flight window", kinds: []string{raw3, raw5}, run: func(s *script) {
		c := s.raw("sub")
		o := s.clean()
		o.receiveMax = 2
		c.connect(o)
		c.manual = true
		s.log("%s", c.subscribe(sub{filter: s.topic("w"), qos: 1}))
		s.publishAll(s.topic("w"), 1, "m1", "m2", "m3", "m4", "m5")
		s.logAll("unacknowledged", c.received(quiet))
		c.ack(1)
		s.logAll("after one ack", c.received(quiet))
		c.ack(5)
		s.logAll("after all acks", c.received(quiet))
		c.ack(5)
		s.logAll("at the end", c.received(quiet))
		c.disconnect()
	}},
	{name: "maximum packet size", kinds: v5Kinds, run: func(s *script) {
		c := s.client("sub")
		o := s.clean()
		o.maxPacket = 200
		c.connect(o)
		s.log("%s", c.subscribe(sub{filter: s.topic("m"), qos: 1}))
		s.publishAll(s.topic("m"), 1, "small", strings.Repeat("big", 100), "small again")
		s.logAll("sub", c.received(quiet))
		c.disconnect()
	}},
	{name: "topic alias", kinds: []string{raw5}, run: func(s *script) {
		c := s.raw("sub")
		o := s.clean()
		o.aliasMax = 5
		c.connect(o)
		s.log("%s", c.subscribe(sub{filter: s.topic("t/#"), qos: 1}))
		p := s.raw("pub")
		p.connect(s.clean())
		for i := range 3 {
			pk := p.publishPacket(msg{topic: s.topic("t/a"), payload: fmt.Sprintf("m%d", i), qos: 1})
			pk.Properties.TopicAlias, pk.Properties.TopicAliasFlag = 1, true
			if i > 0 {
				pk.TopicName = "" // by alias only
			}
			s.log("publish %d: %s", i, p.send(pk))
		}
		p.disconnect()
		s.logAll("sub", c.received(quiet))
		c.disconnect()
	}},
	{name: "keepalive timeout", kinds: []string{raw3, raw5}, run: func(s *script) {
		w := s.subscriber("watcher", sub{filter: s.topic("will"), qos: 1})
		c := s.raw("silent")
		o := s.clean()
		o.keepalive = 1
		o.will = &will{topic: s.topic("will"), payload: "timed out", qos: 1}
		s.log("%s", c.connect(o))
		s.log("silent for 1.5 keepalives: %s", c.ended(8*time.Second))
		s.logAll("watcher", w.received(quiet))
		w.disconnect()
	}},
}

func sorted(v []string) []string {
	slices.Sort(v)
	return v
}
