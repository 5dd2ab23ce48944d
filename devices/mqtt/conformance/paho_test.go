package conformance

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	paho5lib "github.com/eclipse/paho.golang/paho"
	paho3lib "github.com/eclipse/paho.mqtt.golang"
)

// pahoV3 drives github.com/eclipse/paho.mqtt.golang (MQTT 3.1.1).
type pahoV3 struct {
	addr, id string
	c        paho3lib.Client
	in       *inbox
	mu       sync.Mutex
	conn     net.Conn
}

func newPahoV3(addr, id string) *pahoV3 { return &pahoV3{addr: addr, id: id, in: newInbox()} }

func (p *pahoV3) connect(o connOpts) string {
	ka := o.keepalive
	if ka == 0 {
		ka = 30
	}
	opts := paho3lib.NewClientOptions().AddBroker("tcp://" + p.addr).SetClientID(p.id).
		SetCleanSession(o.clean).SetKeepAlive(time.Duration(ka) * time.Second).
		SetAutoReconnect(false).SetConnectRetry(false).SetConnectTimeout(5 * time.Second).
		SetDefaultPublishHandler(func(_ paho3lib.Client, m paho3lib.Message) {
			p.in.add(publishLine(m.Topic(), m.Payload(), m.Qos(), m.Retained(), m.Duplicate()))
		}).
		SetConnectionLostHandler(func(paho3lib.Client, error) { p.in.close("closed") }).
		SetCustomOpenConnectionFn(func(uri *url.URL, _ paho3lib.ClientOptions) (net.Conn, error) {
			c, err := net.DialTimeout("tcp", uri.Host, 5*time.Second)
			p.mu.Lock()
			p.conn = c
			p.mu.Unlock()
			return c, err
		})
	if w := o.will; w != nil {
		opts.SetBinaryWill(w.topic, []byte(w.payload), w.qos, w.retain)
	}
	p.c = paho3lib.NewClient(opts)
	tk := p.c.Connect()
	tk.WaitTimeout(10 * time.Second)
	ct := tk.(*paho3lib.ConnectToken)
	return connackLine(ct.SessionPresent(), ct.ReturnCode())
}

func (p *pahoV3) subscribe(subs ...sub) string {
	filters := map[string]byte{}
	for _, s := range subs {
		filters[s.filter] = s.qos
	}
	tk := p.c.SubscribeMultiple(filters, nil)
	if !tk.WaitTimeout(10*time.Second) || tk.Error() != nil {
		return fmt.Sprintf("suback error %v", tk.Error())
	}
	res := tk.(*paho3lib.SubscribeToken).Result()
	codes := make([]byte, len(subs))
	for i, s := range subs {
		codes[i] = res[s.filter]
	}
	return codesLine("suback", codes)
}

func (p *pahoV3) unsubscribe(filters ...string) string {
	tk := p.c.Unsubscribe(filters...)
	if !tk.WaitTimeout(10*time.Second) || tk.Error() != nil {
		return fmt.Sprintf("unsuback error %v", tk.Error())
	}
	return "unsuback"
}

func (p *pahoV3) publish(m msg) string {
	tk := p.c.Publish(m.topic, m.qos, m.retain, []byte(m.payload))
	if !tk.WaitTimeout(10 * time.Second) {
		return "no ack"
	}
	if err := tk.Error(); err != nil {
		return fmt.Sprintf("publish error %v", err)
	}
	if m.qos == 0 {
		return ""
	}
	return "puback"
}

func (p *pahoV3) received(quiet time.Duration) []string { return p.in.take(quiet) }

func (p *pahoV3) disconnect() { p.c.Disconnect(100) }

func (p *pahoV3) drop() {
	p.mu.Lock()
	if p.conn != nil {
		p.conn.Close()
	}
	p.mu.Unlock()
	p.in.wait(2 * time.Second)
}

func (p *pahoV3) ended(wait time.Duration) string { return p.in.wait(wait) }

// pahoV5 drives github.com/eclipse/paho.golang (MQTT 5).
type pahoV5 struct {
	addr, id string
	conn     net.Conn
	c        *paho5lib.Client
	in       *inbox
}

func newPahoV5(addr, id string) *pahoV5 { return &pahoV5{addr: addr, id: id, in: newInbox()} }

func ctx10() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

func (p *pahoV5) connect(o connOpts) string {
	conn, err := net.DialTimeout("tcp", p.addr, 5*time.Second)
	if err != nil {
		return fmt.Sprintf("dial error %v", err)
	}
	p.conn = conn
	p.c = paho5lib.NewClient(paho5lib.ClientConfig{
		ClientID: p.id,
		Conn:     conn,
		OnPublishReceived: []func(paho5lib.PublishReceived) (bool, error){func(r paho5lib.PublishReceived) (bool, error) {
			m := r.Packet
			p.in.add(publishLine(m.Topic, m.Payload, m.QoS, m.Retain, m.Duplicate()))
			return true, nil
		}},
		OnServerDisconnect: func(d *paho5lib.Disconnect) { p.in.close(fmt.Sprintf("disconnect rc=%d", d.ReasonCode)) },
		OnClientError:      func(error) { p.in.close("closed") },
	})
	ka := o.keepalive
	if ka == 0 {
		ka = 30
	}
	cp := &paho5lib.Connect{ClientID: p.id, CleanStart: o.clean, KeepAlive: ka,
		Properties: &paho5lib.ConnectProperties{SessionExpiryInterval: o.expiry}}
	if o.receiveMax > 0 {
		cp.Properties.ReceiveMaximum = &o.receiveMax
	}
	if o.maxPacket > 0 {
		cp.Properties.MaximumPacketSize = &o.maxPacket
	}
	if o.aliasMax > 0 {
		cp.Properties.TopicAliasMaximum = &o.aliasMax
	}
	if w := o.will; w != nil {
		cp.WillMessage = &paho5lib.WillMessage{Topic: w.topic, Payload: []byte(w.payload), QoS: w.qos, Retain: w.retain}
		cp.WillProperties = &paho5lib.WillProperties{}
		if w.delay > 0 {
			cp.WillProperties.WillDelayInterval = &w.delay
		}
	}
	ctx, cancel := ctx10()
	defer cancel()
	ca, err := p.c.Connect(ctx, cp)
	if ca == nil {
		return fmt.Sprintf("connect error %v", err)
	}
	return connackLine(ca.SessionPresent, ca.ReasonCode)
}

func (p *pahoV5) subscribe(subs ...sub) string {
	s := &paho5lib.Subscribe{}
	for _, x := range subs {
		s.Subscriptions = append(s.Subscriptions, paho5lib.SubscribeOptions{Topic: x.filter, QoS: x.qos,
			NoLocal: x.noLocal, RetainAsPublished: x.rap, RetainHandling: x.rh})
	}
	ctx, cancel := ctx10()
	defer cancel()
	sa, err := p.c.Subscribe(ctx, s)
	if sa == nil {
		return fmt.Sprintf("suback error %v", err)
	}
	return codesLine("suback", sa.Reasons)
}

func (p *pahoV5) unsubscribe(filters ...string) string {
	ctx, cancel := ctx10()
	defer cancel()
	ua, err := p.c.Unsubscribe(ctx, &paho5lib.Unsubscribe{Topics: filters})
	if ua == nil {
		return fmt.Sprintf("unsuback error %v", err)
	}
	return codesLine("unsuback", ua.Reasons)
}

func (p *pahoV5) publish(m msg) string {
	pb := &paho5lib.Publish{Topic: m.topic, QoS: m.qos, Retain: m.retain, Payload: []byte(m.payload)}
	if m.expiry != nil {
		pb.Properties = &paho5lib.PublishProperties{MessageExpiry: m.expiry}
	}
	ctx, cancel := ctx10()
	defer cancel()
	pr, err := p.c.Publish(ctx, pb)
	if m.qos == 0 {
		if err != nil {
			return fmt.Sprintf("publish error %v", err)
		}
		return ""
	}
	if pr == nil {
		return fmt.Sprintf("publish error %v", err)
	}
	return fmt.Sprintf("puback rc=%d", pr.ReasonCode)
}

func (p *pahoV5) received(quiet time.Duration) []string { return p.in.take(quiet) }

func (p *pahoV5) disconnect() {
	_ = p.c.Disconnect(&paho5lib.Disconnect{ReasonCode: 0})
	p.in.close("closed")
}

func (p *pahoV5) drop() {
	p.conn.Close()
	p.in.wait(2 * time.Second)
}

func (p *pahoV5) ended(wait time.Duration) string { return p.in.wait(wait) }
