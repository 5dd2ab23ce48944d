package gateway

import (
	"fmt"
	"path/filepath"

	"github.com/goccy/go-yaml"

	"github.com/tidegate/tidegate/devices/decode"
	"github.com/tidegate/tidegate/devices/ingest"
	"github.com/tidegate/tidegate/devices/mqtt"
	"github.com/tidegate/tidegate/devices/sparkplug"
	"github.com/tidegate/tidegate/gateway/config"
)

// startMQTT starts the embedded broker and the external brokers'
// subscriptions, storing through a batching sink into the streams.
func (g *Gateway) startMQTT(cfg *config.Config) error {
	mc := cfg.MQTT
	if mc.Listen == "-" && len(mc.Brokers) == 0 {
		return nil
	}
	if mc.SessionDir == "" {
		mc.SessionDir = filepath.Join(cfg.DataDir, "mqtt")
	}
	sink, err := ingest.New(g.store, ingest.Options{DeadLetterStream: mc.DeadLetterStream, Logger: g.logger})
	if err != nil {
		return err
	}
	svc := &mqtt.Service{Config: mc, Sink: sink, Decoders: g.newDecoder, Observer: g.devices, Logger: g.logger}
	if err := svc.Initialize(); err != nil {
		sink.Close()
		return err
	}
	g.mqtt, g.sink = svc, sink
	if b, ok := svc.Broker.(*mqtt.MochiBroker); ok {
		g.logger.Info("mqtt broker listening", "addr", b.Addr())
	}
	return nil
}

// MQTTAddr is where the embedded broker listens ("" when it is off).
func (g *Gateway) MQTTAddr() string {
	if g.mqtt == nil || g.mqtt.Broker == nil {
		return ""
	}
	return g.mqtt.Broker.Addr()
}

// newDecoder builds a subscription's decoder from its name and options.
func (g *Gateway) newDecoder(broker, name string, opts map[string]any) (decode.Decoder, error) {
	if name == decode.TypeSparkplug {
		rebirth := func(cmd sparkplug.Command) { g.sparkplugRebirth(broker, cmd) }
		return sparkplug.NewDecoder(rebirth, func(device string, online bool) {
			g.devices.SetOnline(device, "sparkplug", online, "Sparkplug death")
		}), nil
	}
	var c decode.Config
	if len(opts) > 0 {
		b, err := yaml.Marshal(opts)
		if err != nil {
			return nil, err
		}
		if err := yaml.UnmarshalWithOptions(b, &c, yaml.DisallowUnknownField()); err != nil {
			return nil, fmt.Errorf("decoder_options: %w", err)
		}
	}
	c.Type = name
	return decode.New(c)
}

// sparkplugRebirth asks an edge node to publish its births again (after a
// sequence gap or data from an unknown alias), over the broker its data came
// through: the embedded one, or an external broker.
func (g *Gateway) sparkplugRebirth(broker string, cmd sparkplug.Command) {
	if g.mqtt == nil {
		g.logger.Warn("sparkplug: rebirth needed but MQTT is not running", "topic", cmd.Topic)
		return
	}
	if err := g.mqtt.Publish(broker, cmd.Topic, cmd.Payload, 1); err != nil {
		g.logger.Warn("sparkplug: rebirth request", "topic", cmd.Topic, "broker", broker, "err", err)
		return
	}
	g.logger.Info("sparkplug: rebirth requested", "topic", cmd.Topic, "broker", broker)
}
