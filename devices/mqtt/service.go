package mqtt

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"time"

	"github.com/tidegate/tidegate/devices/decode"
)

// Service is the MQTT side of device ingest: the embedded broker and the
// subscriptions to external brokers, all feeding a Writer.
//
// Life: fill the fields, Initialize (validates, starts the broker and the
// clients), Close (stops taking messages; what is not yet durable is not
// acknowledged and will be redelivered).
type Service struct {
	Config Config
	// Writer stores records; required (*ingest.Writer).
	Writer Writer
	// DecoderEnv, optional, is handed to the subscriptions' decoders
	// (built from the decode registry).
	DecoderEnv DecoderEnv
	// Observer, optional, learns every stored reading.
	Observer Observer
	Logger   *slog.Logger
	// Broker replaces the embedded broker made from Config (tests).
	Broker Broker

	embedded  *router
	externals []*external
	sources   []*router
}

// Stats are the counters of every source and subscription.
type Stats struct {
	Sources       map[string]CounterValues // "embedded" or a broker's name
	Subscriptions []SubscriptionStats
}

// SubscriptionStats are one subscription's counters.
type SubscriptionStats struct {
	Broker, Topic string
	CounterValues
}

// EmbeddedSource names the embedded broker in stats and dead letters.
const EmbeddedSource = "embedded"

// Check builds what Initialize would from c — the subscriptions in force with
// their decoders (env may be nil) — and loads the TLS certificate, without
// binding or connecting anything: what it refuses, Initialize refuses.
func (c *Config) Check(env DecoderEnv) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if _, err := c.build(env); err != nil {
		return err
	}
	if c.Listen != "-" && c.TLS.Listen != "" {
		if _, err := tls.LoadX509KeyPair(c.TLS.CertFile, c.TLS.KeyFile); err != nil {
			return fmt.Errorf("%w: tls: %w", ErrConfig, err)
		}
	}
	for _, bc := range c.Brokers {
		// The client options of an external broker: its CA and client
		// certificate are read, nothing connects.
		if _, err := (&external{cfg: bc, retry: minRetry}).options(); err != nil {
			return err
		}
	}
	return nil
}

// build compiles the subscriptions in force, with their decoders, by broker
// ("" for the embedded one).
func (c *Config) build(env DecoderEnv) (map[string][]*Subscription, error) {
	byBroker := map[string][]*Subscription{}
	for i, sc := range c.InForce() {
		sub, err := compile(sc)
		if err != nil {
			return nil, fmt.Errorf("%w: subscriptions[%d]: %w", ErrConfig, i, err)
		}
		if sc.Decoder.Config != nil {
			var denv decode.Env
			if env != nil {
				denv = env(sc.Broker, sc.Decoder.Type)
			}
			if sub.Decoder, err = sc.Decoder.New(denv); err != nil {
				return nil, fmt.Errorf("%w: subscriptions[%d]: decoder %s: %w", ErrConfig, i, sc.Decoder.Type, err)
			}
		}
		byBroker[sc.Broker] = append(byBroker[sc.Broker], sub)
	}
	return byBroker, nil
}

// Initialize validates the config and starts everything.
func (s *Service) Initialize() error {
	if s.Writer == nil {
		return fmt.Errorf("%w: a Writer is required", ErrConfig)
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if err := s.Config.Validate(); err != nil {
		return err
	}
	byBroker, err := s.Config.build(s.DecoderEnv)
	if err != nil {
		return err
	}

	if s.Config.Listen != "-" {
		s.embedded = s.newRouter(EmbeddedSource, byBroker[""])
		if s.Broker == nil {
			b, err := NewBroker(BrokerOptions{Listen: s.Config.Listen, TLS: s.Config.TLS, Users: s.Config.Users,
				SessionDir: s.Config.SessionDir, Logger: s.Logger})
			if err != nil {
				return err
			}
			s.Broker = b
		}
		r := s.embedded
		r.relays = s.Broker.Relays
		s.Broker.SetIngest(func(_, topic string, payload []byte) func(context.Context) error {
			return r.enqueue(topic, payload).wait
		})
		if err := s.Broker.Start(); err != nil {
			return err
		}
	}
	for _, bc := range s.Config.Brokers {
		e := newExternal(bc, byBroker[bc.Name], s.newRouter(bc.Name, byBroker[bc.Name]), s.Logger)
		if err := e.start(); err != nil {
			s.Close()
			return err
		}
		s.externals = append(s.externals, e)
	}
	return nil
}

func (s *Service) newRouter(source string, subs []*Subscription) *router {
	r := &router{source: source, subs: subs, writer: s.Writer, observer: s.Observer, now: time.Now, log: s.Logger}
	s.sources = append(s.sources, r)
	return r
}

// Close stops the broker and the clients.
func (s *Service) Close() {
	for _, e := range s.externals {
		e.close()
	}
	if s.embedded != nil && s.Broker != nil {
		s.Broker.Close()
	}
}

// Stats returns a snapshot of the counters.
func (s *Service) Stats() Stats {
	st := Stats{Sources: map[string]CounterValues{}}
	for _, r := range s.sources {
		st.Sources[r.source] = r.stats.snapshot()
		for _, sub := range r.subs {
			st.Subscriptions = append(st.Subscriptions, SubscriptionStats{Broker: sub.Config.Broker, Topic: sub.Config.Topic, CounterValues: sub.stats.snapshot()})
		}
	}
	return st
}

// Publish sends a message of the gateway's own (a Sparkplug NCMD) through a
// broker: "" is the embedded one, else an external broker's name. It waits
// up to 10 s for an external broker to take it.
func (s *Service) Publish(broker, topic string, payload []byte, qos byte) error {
	if broker == "" {
		b, ok := s.Broker.(*MochiBroker)
		if !ok || s.embedded == nil {
			return fmt.Errorf("mqtt: no embedded broker to publish %s on", topic)
		}
		return b.Server().Publish(topic, payload, false, qos)
	}
	for _, e := range s.externals {
		if e.cfg.Name == broker {
			return e.publish(topic, payload, qos)
		}
	}
	return fmt.Errorf("mqtt: no broker %q to publish %s on", broker, topic)
}
