package conformance

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// client is what a scenario drives: one connection of one client library.
// Each method returns what the client observed, as a line of the
// scenario's transcript; the formats are the same for every library.
type client interface {
	connect(o connOpts) string            // "connack sp=1 rc=0"
	subscribe(subs ...sub) string         // "suback 1 128"
	unsubscribe(filters ...string) string // "unsuback" (and MQTT 5 reason codes)
	publish(m msg) string                 // "puback rc=0", or "" for QoS 0
	// received returns the messages that came since the last call, once
	// none has come for quiet.
	received(quiet time.Duration) []string
	disconnect()
	// drop closes the connection without DISCONNECT, as a client that dies.
	drop()
	// ended waits up to wait for the broker to end the connection and
	// says how: "closed", "disconnect rc=142" (MQTT 5), or "open".
	ended(wait time.Duration) string
}

// Client kinds: a library and the protocol version it speaks.
const (
	paho3 = "paho3" // github.com/eclipse/paho.mqtt.golang, MQTT 3.1.1
	paho5 = "paho5" // github.com/eclipse/paho.golang, MQTT 5
	py3   = "py3"   // Debian's python3-paho-mqtt, MQTT 3.1.1
	py5   = "py5"   // the same, MQTT 5
	raw3  = "raw3"  // devices/mqtt/mqtttest, MQTT 3.1.1
	raw5  = "raw5"  // the same, MQTT 5
	cli   = "cli"   // mosquitto_sub and mosquitto_pub (scenarios of their own)
)

var (
	allKinds = []string{paho3, paho5, py3, py5, raw3, raw5}
	v5Kinds  = []string{paho5, py5, raw5}
	v3Kinds  = []string{paho3, py3, raw3}
)

func version(kind string) byte {
	if strings.HasSuffix(kind, "5") {
		return 5
	}
	return 4
}

type connOpts struct {
	clean      bool
	keepalive  uint16  // seconds; 0 means 30
	expiry     *uint32 // MQTT 5 session expiry interval
	will       *will
	receiveMax uint16 // MQTT 5; 0 leaves it out
	maxPacket  uint32 // MQTT 5; 0 leaves it out
	aliasMax   uint16 // MQTT 5 topic alias maximum; 0 leaves it out
}

type will struct {
	topic, payload string
	qos            byte
	retain         bool
	delay          uint32 // MQTT 5 will delay interval
}

type sub struct {
	filter  string
	qos     byte
	noLocal bool // MQTT 5
	rap     bool // MQTT 5 retain as published
	rh      byte // MQTT 5 retain handling
}

type msg struct {
	topic, payload string
	qos            byte
	retain         bool
	expiry         *uint32 // MQTT 5 message expiry interval
}

func u32(v uint32) *uint32 { return &v }

func connackLine(sp bool, rc byte) string {
	return fmt.Sprintf("connack sp=%d rc=%d", b2i(sp), rc)
}

func publishLine(topic string, payload []byte, qos byte, retain, dup bool) string {
	return fmt.Sprintf("pub %s %q q%d r%d d%d", topic, payload, qos, b2i(retain), b2i(dup))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func codesLine(what string, codes []byte) string {
	s := what
	for _, c := range codes {
		s += fmt.Sprintf(" %d", c)
	}
	return s
}

// inbox gathers what a client library hands over on its own goroutines.
type inbox struct {
	mu    sync.Mutex
	msgs  []string
	last  time.Time
	end   string
	ended chan struct{}
	once  sync.Once
}

func newInbox() *inbox { return &inbox{ended: make(chan struct{})} }

func (b *inbox) add(line string) {
	b.mu.Lock()
	b.msgs = append(b.msgs, line)
	b.last = time.Now()
	b.mu.Unlock()
}

func (b *inbox) close(how string) {
	b.once.Do(func() {
		b.mu.Lock()
		b.end = how
		b.mu.Unlock()
		close(b.ended)
	})
}

func (b *inbox) take(quiet time.Duration) []string {
	time.Sleep(quiet)
	for {
		b.mu.Lock()
		idle := time.Since(b.last)
		if idle >= quiet {
			out := b.msgs
			b.msgs = nil
			b.mu.Unlock()
			return out
		}
		b.mu.Unlock()
		time.Sleep(quiet - idle)
	}
}

func (b *inbox) wait(d time.Duration) string {
	select {
	case <-b.ended:
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.end
	case <-time.After(d):
		return "open"
	}
}
