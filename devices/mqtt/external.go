package mqtt

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// Reconnect backoff for external brokers.
const (
	minRetry = 500 * time.Millisecond
	maxRetry = 30 * time.Second
)

// external subscribes to one external broker with a persistent session
// (clean session off) and acknowledges each message only after the router
// made it durable.
//
// At-least-once with paho v1.5.1: with SetAutoAckDisabled(true) paho sends
// the PUBACK only when we call msg.Ack() (acker.run; paho router.go,
// matchAndDispatch; net.go, ackFunc), and drops acks made after the
// connection they came from is gone, so a stale ack never acknowledges a
// redelivery. A broker resends an unacknowledged QoS 1 message only when
// the session resumes on a new connection (MQTT 3.1.1 §4.4), not on the
// same one. So when a message cannot be stored we end the connection and
// connect again after a backoff: the broker then redelivers every message
// we have not acknowledged. Messages stored but whose ack was lost are
// redelivered too: duplicates, never loss.
type external struct {
	cfg    BrokerConfig
	subs   []*Subscription
	router *router
	log    *slog.Logger
	retry  time.Duration // first backoff; doubles to maxRetry

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	client    paho.Client
	failures  int         // consecutive refused messages, for the backoff
	recycling atomic.Bool // a disconnect-reconnect is under way
}

func newExternal(cfg BrokerConfig, subs []*Subscription, r *router, log *slog.Logger) *external {
	e := &external{cfg: cfg, subs: subs, router: r, log: log.With("broker", cfg.Name), retry: minRetry}
	e.ctx, e.cancel = context.WithCancel(context.Background())
	return e
}

func (e *external) options() (*paho.ClientOptions, error) {
	o := paho.NewClientOptions().
		AddBroker(e.cfg.URL).
		SetClientID(e.cfg.ClientID).
		SetUsername(e.cfg.Username).
		SetPassword(e.cfg.Password).
		SetCleanSession(false).
		SetAutoAckDisabled(true).
		SetOrderMatters(true).
		SetAutoReconnect(true).
		SetConnectRetry(true).
		SetConnectRetryInterval(e.retry).
		SetMaxReconnectInterval(maxRetry).
		SetKeepAlive(30 * time.Second).
		SetCustomOpenConnectionFn(openBuffered).
		SetOnConnectHandler(e.onConnect).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			e.log.Warn("mqtt: connection to broker lost", "error", err)
		})
	if e.cfg.CAFile != "" || e.cfg.CertFile != "" || e.cfg.InsecureSkipVerify {
		tc := &tls.Config{InsecureSkipVerify: e.cfg.InsecureSkipVerify, MinVersion: tls.VersionTLS12} //nolint:gosec // the user asked
		if e.cfg.CAFile != "" {
			pem, err := os.ReadFile(e.cfg.CAFile)
			if err != nil {
				return nil, fmt.Errorf("mqtt: broker %q: ca_file: %w", e.cfg.Name, err)
			}
			tc.RootCAs = x509.NewCertPool()
			if !tc.RootCAs.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("mqtt: broker %q: ca_file %s: no certificate", e.cfg.Name, e.cfg.CAFile)
			}
		}
		if e.cfg.CertFile != "" {
			cert, err := tls.LoadX509KeyPair(e.cfg.CertFile, e.cfg.KeyFile)
			if err != nil {
				return nil, fmt.Errorf("mqtt: broker %q: %w", e.cfg.Name, err)
			}
			tc.Certificates = []tls.Certificate{cert}
		}
		o.SetTLSConfig(tc)
	}
	return o, nil
}

// start connects in the background: an unreachable broker is retried, it
// does not stop the gateway.
func (e *external) start() error {
	o, err := e.options()
	if err != nil {
		return err
	}
	a := &acker{e: e, queue: make(chan queued, externalWindow), done: make(chan struct{})}
	o.SetDefaultPublishHandler(a.onMessage)
	c := paho.NewClient(o)
	a.c = c
	e.mu.Lock()
	e.client = c
	e.mu.Unlock()
	e.wg.Go(a.run)
	c.Connect()
	return nil
}

// onConnect subscribes again on every (re)connection. The broker keeps
// our subscriptions in the session, but a new or expired session has none.
// Subscribing with no callback sends every message to the default handler
// once, even when several filters match it.
func (e *external) onConnect(c paho.Client) {
	e.log.Info("mqtt: connected to broker")
	filters := map[string]byte{}
	for _, s := range e.subs {
		q := s.Config.QoS
		if q == 0 {
			q = 1
		}
		filters[s.Config.Topic] = max(filters[s.Config.Topic], q)
	}
	t := c.SubscribeMultiple(filters, nil)
	go func() {
		if t.WaitTimeout(30*time.Second) && t.Error() != nil {
			e.log.Error("mqtt: subscribe", "error", t.Error())
		}
	}()
}

// stored resets the backoff after a message was stored.
func (e *external) stored() {
	e.mu.Lock()
	e.failures = 0
	e.mu.Unlock()
}

// recycle ends the connection c and, after a backoff, connects a new
// client with the same id so that the broker redelivers.
func (e *external) recycle(c paho.Client) {
	if !e.recycling.CompareAndSwap(false, true) {
		return
	}
	e.mu.Lock()
	if e.client != c {
		e.mu.Unlock()
		e.recycling.Store(false)
		return
	}
	delay := e.retry << min(e.failures, 10)
	delay = min(delay, maxRetry)
	e.failures++
	e.mu.Unlock()
	e.wg.Go(func() {
		c.Disconnect(0)
		select {
		case <-time.After(delay):
		case <-e.ctx.Done():
			return
		}
		// Before start: the new client may fail at once and must be
		// able to recycle in turn.
		e.recycling.Store(false)
		if err := e.start(); err != nil {
			e.log.Error("mqtt: reconnect", "error", err)
		}
	})
}

func (e *external) close() {
	e.cancel()
	e.wg.Wait()
	e.mu.Lock()
	c := e.client
	e.mu.Unlock()
	if c != nil {
		c.Disconnect(250)
	}
}

// publish sends a message of the gateway's own on the current connection.
func (e *external) publish(topic string, payload []byte, qos byte) error {
	e.mu.Lock()
	c := e.client
	e.mu.Unlock()
	if c == nil || !c.IsConnectionOpen() {
		return fmt.Errorf("mqtt: broker %q: not connected", e.cfg.Name)
	}
	t := c.Publish(topic, qos, false, payload)
	if !t.WaitTimeout(10 * time.Second) {
		return fmt.Errorf("mqtt: broker %q: publish %s: no answer in 10 s", e.cfg.Name, topic)
	}
	return t.Error()
}
