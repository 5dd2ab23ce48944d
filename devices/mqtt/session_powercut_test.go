//go:build linux && !arm && !386 && !mips && !mipsle

package mqtt

// The embedded broker's power-cut test. A child process runs a store and
// the embedded broker, its session directory on the power-cut filesystem.
// Two devices publish QoS 1 messages into a stream and acknowledge each
// PUBACK. Meanwhile persistent subscribers (MQTT 3.1.1 and 5 in turn)
// connect, subscribe and acknowledge each SUBACK, and a publisher (3.1.1
// and 5 in turn) replaces retained messages and acknowledges each PUBACK.
// After each cut the parent checks a copy of what the cut left: every
// PUBACKed message in its stream; a broker started on the session store
// has every acknowledged session with its subscription, and each retained
// message at its acknowledged version or the one in flight.

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/tidegate/tidegate/devices/ingest"
	"github.com/tidegate/tidegate/internal/powercut"
	"github.com/tidegate/tidegate/shards"
)

const (
	pcStream   = "sensors"
	pcRetained = 4 // retained topics: streams/sensors/status-0 …
)

func pcRetainedTopic(j int) string { return fmt.Sprintf("streams/%s/status-%d", pcStream, j) }

func TestPowerCutBrokerChild(t *testing.T) {
	c := powercut.StartChild(t)
	st, err := shards.Open(filepath.Join(c.Dir, "shards"), shards.Options{})
	if err != nil {
		c.Fatalf("open: %v", err)
	}
	if _, err := st.Stream(pcStream); errors.Is(err, shards.ErrNotFound) {
		if _, err := st.CreateStream(pcStream, shards.StreamConfig{Shards: 2}); err != nil {
			c.Fatalf("stream: %v", err)
		}
	}
	w, err := ingest.New(st, ingest.Options{})
	if err != nil {
		c.Fatalf("writer: %v", err)
	}
	svc := &Service{Writer: w, Config: Config{Listen: "127.0.0.1:0", SessionDir: filepath.Join(c.Dir, "mqtt")}}
	if err := svc.Initialize(); err != nil {
		c.Fatalf("broker: %v", err)
	}
	addr := svc.Broker.Addr()
	c.Ready()
	for p := range 2 {
		go pcPublish(c, addr, p)
	}
	// Sessions and retained messages, one after the other.
	for k := 0; ; k++ {
		version := byte(4 + k%2)
		id := fmt.Sprintf("sub-%d-%d", c.Cycle, k)
		sub, _ := dialSession(t, addr, id, version, false, 3600)
		sub.subscribe(t, "cmd/"+id)
		c.Ack("S %s", id)
		sub.disconnect(t)

		pub, _ := dialSession(t, addr, fmt.Sprintf("ret-%d-%d", c.Cycle, k), version, true, 0)
		topic := pcRetainedTopic(k % pcRetained)
		payload := fmt.Sprintf("%s %d", topic, c.Cycle*100000+k)
		pub.write(t, packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: 1, Retain: true},
			ProtocolVersion: version, TopicName: topic, Payload: []byte(payload), PacketID: 1})
		if typ, _ := pub.read(t); typ != packets.Puback {
			c.Fatalf("retained %s: got packet type %d, want PUBACK", topic, typ)
		}
		c.Ack("T %s", payload)
		pub.disconnect(t)
		time.Sleep(5 * time.Millisecond)
	}
}

// pcPublish publishes QoS 1 messages to the stream and acknowledges each
// PUBACK: "P payload".
func pcPublish(c *powercut.Child, addr string, p int) {
	cl := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(fmt.Sprintf("dev-%d-%d", c.Cycle, p)))
	if tk := cl.Connect(); !tk.WaitTimeout(10*time.Second) || tk.Error() != nil {
		c.Fatalf("publisher %d: connect: %v", p, tk.Error())
	}
	for n := 0; ; n++ {
		payload := fmt.Sprintf("c%d-p%d-%d", c.Cycle, p, n)
		tk := cl.Publish(fmt.Sprintf("streams/%s/dev-%d", pcStream, n%8), 1, false, payload)
		if !tk.WaitTimeout(10*time.Second) || tk.Error() != nil {
			c.Fatalf("publisher %d: %s: %v", p, payload, tk.Error())
		}
		c.Ack("P %s", payload)
	}
}

// pcBroker is what the children acknowledged, across the cycles.
type pcBroker struct {
	published []string
	sessions  []string
	retained  map[string]int // topic → the newest version acknowledged
}

func (p *pcBroker) check(t *testing.T, cy *powercut.Cycle) error {
	for _, a := range cy.Acks {
		op, rest, _ := strings.Cut(a, " ")
		switch op {
		case "P":
			p.published = append(p.published, rest)
		case "S":
			p.sessions = append(p.sessions, rest)
		case "T":
			topic, v, _ := strings.Cut(rest, " ")
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("bad acknowledgement %q", a)
			}
			p.retained[topic] = max(p.retained[topic], n)
		default:
			return fmt.Errorf("bad acknowledgement %q", a)
		}
	}
	if len(cy.Acks) == 0 && len(p.published)+len(p.sessions)+len(p.retained) == 0 {
		return nil
	}
	root := filepath.Join(t.TempDir(), "copy")
	if err := powercut.CopyDir(cy.Dir, root); err != nil {
		return err
	}
	var errs []error
	if err := pcStored(root, p.published); err != nil {
		errs = append(errs, err)
	}
	if err := p.brokerState(root); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// pcStored checks that every PUBACKed message is in the stream.
func pcStored(root string, published []string) error {
	if len(published) == 0 {
		return nil
	}
	st, err := shards.Open(filepath.Join(root, "shards"), shards.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := st.Stream(pcStream)
	if err != nil {
		return fmt.Errorf("messages were PUBACKed into stream %s: %w", pcStream, err)
	}
	stored := map[string]bool{}
	for _, sh := range s.Shards() {
		cur, err := s.Iterator(sh.ShardID, shards.TrimHorizon, "", time.Time{})
		if err != nil {
			return err
		}
		for {
			res, err := s.Read(cur, shards.MaxRecordsPerRead)
			if err != nil {
				return err
			}
			for _, r := range res.Records {
				stored[string(r.Data)] = true
			}
			if len(res.Records) == 0 {
				break
			}
			cur = res.Next
		}
	}
	var errs []error
	missing := 0
	for _, m := range published {
		if !stored[m] {
			if missing++; missing <= 5 {
				errs = append(errs, fmt.Errorf("message %s was PUBACKed and is not in the stream", m))
			}
		}
	}
	if missing > 5 {
		errs = append(errs, fmt.Errorf("%d PUBACKed messages are not in the stream in all", missing))
	}
	return errors.Join(errs...)
}

// brokerState starts a broker on the session store of root and checks
// its sessions and retained messages.
func (p *pcBroker) brokerState(root string) error {
	dir := filepath.Join(root, "mqtt")
	if _, err := os.Stat(dir); err != nil && len(p.sessions)+len(p.retained) == 0 {
		return nil
	}
	b, err := NewBroker(BrokerOptions{Listen: "127.0.0.1:0", SessionDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	if err := b.Start(); err != nil {
		return fmt.Errorf("broker on the session store the cut left: %w", err)
	}
	defer b.Close()
	srv := b.Server()
	var errs []error
	lost := 0
	for _, id := range p.sessions {
		_, ok := srv.Clients.Get(id)
		subs := srv.Topics.Subscribers("cmd/" + id)
		if _, subscribed := subs.Subscriptions[id]; !ok || !subscribed {
			if lost++; lost <= 5 {
				errs = append(errs, fmt.Errorf("persistent session %s (SUBACKed) after the cut: session there %v, subscribed %v", id, ok, subscribed))
			}
		}
	}
	if lost > 5 {
		errs = append(errs, fmt.Errorf("%d acknowledged sessions lost in all", lost))
	}
	for topic, acked := range p.retained {
		got := 0
		for _, pk := range srv.Topics.Messages(topic) {
			if t, v, ok := strings.Cut(string(pk.Payload), " "); ok && t == topic {
				got, _ = strconv.Atoi(v)
			}
		}
		// The next version may have been in flight: it is published after
		// the acknowledged one, with a higher number.
		if got < acked {
			errs = append(errs, fmt.Errorf("retained message of %s is version %d after the cut; %d was PUBACKed", topic, got, acked))
		}
	}
	return errors.Join(errs...)
}

func TestPowerCutBroker(t *testing.T) {
	p := &pcBroker{retained: map[string]int{}}
	st := powercut.Run(t, powercut.Workload{
		Child:   "TestPowerCutBrokerChild",
		Cycles:  30,
		MaxAcks: 200,
		MaxWait: time.Second,
		Tear:    true,
		Check:   func(cy *powercut.Cycle) error { return p.check(t, cy) },
	})
	if len(p.published) == 0 || len(p.sessions) == 0 || len(p.retained) == 0 {
		t.Fatalf("%d messages, %d sessions, %d retained topics acknowledged: the test tested too little", len(p.published), len(p.sessions), len(p.retained))
	}
	t.Logf("%d QoS 1 messages PUBACKed and stored, %d persistent sessions and %d retained topics kept", len(p.published), len(p.sessions), len(p.retained))
	t.Logf("broker power-cut test: %v", st)
}

// TestPowerCutRetainedChild replaces retained messages, MQTT 3.1.1 and 5
// in turn, and acknowledges each PUBACK ("T topic version"), then waits:
// a cut right after an acknowledgement finds the message stored or not.
func TestPowerCutRetainedChild(t *testing.T) {
	c := powercut.StartChild(t)
	st, err := shards.Open(filepath.Join(c.Dir, "shards"), shards.Options{})
	if err != nil {
		c.Fatalf("open: %v", err)
	}
	if _, err := st.Stream(pcStream); errors.Is(err, shards.ErrNotFound) {
		if _, err := st.CreateStream(pcStream, shards.StreamConfig{}); err != nil {
			c.Fatalf("stream: %v", err)
		}
	}
	w, err := ingest.New(st, ingest.Options{})
	if err != nil {
		c.Fatalf("writer: %v", err)
	}
	svc := &Service{Writer: w, Config: Config{Listen: "127.0.0.1:0", SessionDir: filepath.Join(c.Dir, "mqtt")}}
	if err := svc.Initialize(); err != nil {
		c.Fatalf("broker: %v", err)
	}
	addr := svc.Broker.Addr()
	c.Ready()
	for k := 0; ; k++ {
		version := byte(4 + k%2)
		pub, _ := dialSession(t, addr, fmt.Sprintf("ret-%d-%d", c.Cycle, k), version, true, 0)
		topic := pcRetainedTopic(k % pcRetained)
		payload := fmt.Sprintf("%s %d", topic, c.Cycle*100000+k)
		pub.write(t, packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: 1, Retain: true},
			ProtocolVersion: version, TopicName: topic, Payload: []byte(payload), PacketID: 1})
		if typ, _ := pub.read(t); typ != packets.Puback {
			c.Fatalf("retained %s: got packet type %d, want PUBACK", topic, typ)
		}
		c.Ack("T %s", payload)
		pub.disconnect(t)
		time.Sleep(30 * time.Millisecond)
	}
}

// TestPowerCutRetained: a retained message is kept once PUBACKed, whatever
// the client's protocol version.
func TestPowerCutRetained(t *testing.T) {
	p := &pcBroker{retained: map[string]int{}}
	powercut.Run(t, powercut.Workload{
		Child: "TestPowerCutRetainedChild", Cycles: 20, MaxAcks: 10, MaxWait: 300 * time.Millisecond,
		Check: func(cy *powercut.Cycle) error { return p.check(t, cy) },
	})
	if len(p.retained) == 0 {
		t.Fatal("no retained message was acknowledged: the test tested nothing")
	}
}
