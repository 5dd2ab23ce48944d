package conformance

import (
	"fmt"
	"slices"
	"syscall"
	"time"
)

// The scenarios, by theme.
var scenarios = slices.Concat(sessionScenarios, subscriptionScenarios, messageScenarios, badInputScenarios, cliScenarios)

// persistent are the options of a client that keeps its session: clean
// session off (3.1.1), or no clean start and a session expiry (5).
func (s *script) persistent() connOpts {
	if version(s.kind) == 5 {
		return connOpts{expiry: u32(3600)}
	}
	return connOpts{}
}

// clean are the options of a client whose session ends with its
// connection.
func (s *script) clean() connOpts { return connOpts{clean: true} }

// settle lets a broker take in a disconnection before the next step.
func settle() { time.Sleep(100 * time.Millisecond) }

// publishAll publishes payloads to topic at qos from a client of its own
// and writes down only an acknowledgement that is not Success, or No
// matching subscribers (0x10), which only Mosquitto sends (see the scenario
// "publish without subscribers").
func (s *script) publishAll(topic string, qos byte, payloads ...string) {
	p := s.client("pub")
	p.connect(s.clean())
	for _, pl := range payloads {
		if r := p.publish(msg{topic: topic, payload: pl, qos: qos}); r != "" && r != "puback" && r != "puback rc=0" && r != "puback rc=16" {
			s.log("publish %s: %s", pl, r)
		}
	}
	p.disconnect()
	settle()
}

// queueOffline makes a persistent session subscribed to a/# and queues
// payloads for it while it is away.
func (s *script) queueOffline(payloads ...string) {
	c := s.client("sub")
	s.log("first %s", c.connect(s.persistent()))
	s.log("%s", c.subscribe(sub{filter: s.topic("a/#"), qos: 1}))
	c.disconnect()
	settle()
	s.publishAll(s.topic("a/x"), 1, payloads...)
}

// resume reconnects the persistent subscriber and writes down what it gets.
func (s *script) resume(what string) client {
	c := s.client("sub")
	s.log("%s %s", what, c.connect(s.persistent()))
	s.logAll(what, c.received(quiet))
	return c
}

func restartScenario(sig syscall.Signal) func(s *script) {
	return func(s *script) {
		s.queueOffline("m1", "m2", "m3")
		p := s.client("retainer")
		p.connect(s.clean())
		p.publish(msg{topic: s.topic("r"), payload: "kept", qos: 1, retain: true})
		p.disconnect()
		settle()
		s.restart(sig)
		c := s.resume("after restart")
		c.disconnect()
		settle()
		c = s.resume("again")
		c.disconnect()
		r := s.client("late")
		r.connect(s.clean())
		s.log("%s", r.subscribe(sub{filter: s.topic("r"), qos: 1}))
		s.logAll("retained", r.received(quiet))
		r.disconnect()
	}
}

// unackedRestart: a message sent and not acknowledged, then a restart.
func unackedRestart(sig syscall.Signal) func(s *script) {
	return func(s *script) {
		s.queueOffline("m1", "m2")
		c := s.raw("sub")
		c.manual = true
		s.log("resume %s", c.connect(s.persistent()))
		s.logAll("unacknowledged", c.received(quiet))
		c.drop()
		settle()
		s.publishAll(s.topic("a/x"), 1, "m3")
		s.restart(sig)
		c = s.raw("sub")
		s.log("after restart %s", c.connect(s.persistent()))
		s.logAll("after restart", c.received(quiet))
		c.disconnect()
	}
}

var sessionScenarios = []scenario{
	{name: "queued while offline", kinds: allKinds, run: func(s *script) {
		s.queueOffline("m1", "m2", "m3", "m4", "m5")
		c := s.resume("resumed")
		c.disconnect()
		settle()
		c = s.resume("again")
		c.disconnect()
	}},
	{name: "repeated reconnects", kinds: allKinds, run: func(s *script) {
		s.queueOffline("m0")
		for round := 1; round <= 3; round++ {
			c := s.resume(fmt.Sprintf("round %d", round))
			c.disconnect()
			settle()
			s.publishAll(s.topic("a/x"), 1, fmt.Sprintf("r%d-1", round), fmt.Sprintf("r%d-2", round))
		}
		c := s.resume("last")
		c.disconnect()
	}},
	{name: "session present", kinds: allKinds, run: func(s *script) {
		for i, o := range []connOpts{s.clean(), s.persistent(), s.persistent(), s.clean(), s.persistent()} {
			c := s.client("c")
			s.log("connect %d clean=%v: %s", i+1, o.clean, c.connect(o))
			c.disconnect()
			settle()
		}
	}},
	{name: "clean start discards the session", kinds: allKinds, run: func(s *script) {
		s.queueOffline("m1", "m2")
		c := s.client("sub")
		s.log("clean %s", c.connect(s.clean()))
		s.logAll("clean", c.received(quiet))
		s.publishAll(s.topic("a/x"), 1, "m3")
		s.logAll("after", c.received(quiet))
		c.disconnect()
	}},
	{name: "session expiry", kinds: v5Kinds, run: func(s *script) {
		c := s.client("sub")
		s.log("%s", c.connect(connOpts{expiry: u32(1)}))
		s.log("%s", c.subscribe(sub{filter: s.topic("a/#"), qos: 1}))
		c.disconnect()
		settle()
		s.publishAll(s.topic("a/x"), 1, "m1")
		time.Sleep(2500 * time.Millisecond)
		c = s.resume("expired")
		c.disconnect()
	}},
	{name: "message expiry", kinds: v5Kinds, run: func(s *script) {
		s.queueOffline()
		p := s.client("pub")
		p.connect(s.clean())
		p.publish(msg{topic: s.topic("a/x"), payload: "short", qos: 1, expiry: u32(1)})
		p.publish(msg{topic: s.topic("a/x"), payload: "long", qos: 1, expiry: u32(600)})
		p.publish(msg{topic: s.topic("a/x"), payload: "plain", qos: 1})
		p.disconnect()
		time.Sleep(2500 * time.Millisecond)
		c := s.resume("resumed")
		c.disconnect()
	}},
	{name: "restart SIGTERM", kinds: allKinds, restart: true, run: restartScenario(syscall.SIGTERM)},
	{name: "restart SIGKILL", kinds: allKinds, restart: true, run: restartScenario(syscall.SIGKILL)},
	{name: "unacknowledged across SIGTERM", kinds: []string{raw3, raw5}, restart: true, run: unackedRestart(syscall.SIGTERM)},
	{name: "unacknowledged across SIGKILL", kinds: []string{raw3, raw5}, restart: true, run: unackedRestart(syscall.SIGKILL)},
	{name: "takeover", kinds: allKinds, run: func(s *script) {
		w := s.client("watcher")
		w.connect(s.clean())
		w.subscribe(sub{filter: s.topic("will"), qos: 1})
		o := s.persistent()
		o.will = &will{topic: s.topic("will"), payload: "gone", qos: 1}
		a := s.client("same")
		s.log("first %s", a.connect(o))
		b := s.client("same")
		s.log("second %s", b.connect(o))
		s.log("first connection: %s", a.ended(2*time.Second))
		s.logAll("watcher", w.received(quiet))
		b.disconnect()
		w.disconnect()
	}},
}
