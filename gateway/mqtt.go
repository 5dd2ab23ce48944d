package gateway

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/tidegate/tidegate/devices/decode"
	"github.com/tidegate/tidegate/devices/ingest"
	"github.com/tidegate/tidegate/devices/mqtt"
	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/shards"
)

// startMQTT starts the embedded broker and the external brokers'
// subscriptions, storing through a batching writer into the streams.
func (g *Gateway) startMQTT(cfg *config.Config) error {
	mc := cfg.MQTT
	if mc.Listen == "-" && len(mc.Brokers) == 0 {
		return nil
	}
	mc.SessionDir = mqttSessionDir(cfg)
	w, err := ingest.New(g.store, ingest.Options{DeadLetterStream: mc.DeadLetterStream, Logger: g.logger})
	if err != nil {
		return err
	}
	if len(mc.Subscriptions) == 0 && mc.Listen != "-" {
		// The default subscriptions store Sparkplug B into a stream of their own.
		if _, err := g.store.CreateStream(mqtt.DefaultSparkplugStream, shards.StreamConfig{Shards: 1}); err != nil && !errors.Is(err, shards.ErrExists) {
			w.Close()
			return fmt.Errorf("stream %q: %w", mqtt.DefaultSparkplugStream, err)
		}
	}
	svc := &mqtt.Service{Config: mc, Writer: w, DecoderEnv: g.decoderEnv, Observer: g.devices, Logger: g.logger}
	if err := svc.Initialize(); err != nil {
		w.Close()
		return err
	}
	g.mqtt, g.ingest = svc, w
	if err := g.reg.RegisterMQTT(svc.Stats); err != nil {
		return err
	}
	if b, ok := svc.Broker.(*mqtt.MochiBroker); ok {
		g.logger.Info("mqtt broker listening", "addr", b.Addr())
	}
	return nil
}

// mqttSessionDir is where the embedded broker keeps its sessions: mqtt.session_dir,
// or DATA_DIR/mqtt.
func mqttSessionDir(cfg *config.Config) string {
	if cfg.MQTT.SessionDir != "" {
		return cfg.MQTT.SessionDir
	}
	return filepath.Join(cfg.DataDir, "mqtt")
}

// MQTTAddr is where the embedded broker listens ("" when it is off).
func (g *Gateway) MQTTAddr() string {
	if g.mqtt == nil || g.mqtt.Broker == nil {
		return ""
	}
	return g.mqtt.Broker.Addr()
}

// decoderEnv is how the decoder of a subscription on broker answers devices:
// replies (Sparkplug rebirth requests) go out through that broker, and
// devices it reports online or offline are marked so in the registry, under
// the decoder's name.
func (g *Gateway) decoderEnv(broker, decoder string) decode.Env {
	return decode.Env{
		Reply: func(topic string, payload []byte) { g.reply(broker, decoder, topic, payload) },
		SetOnline: func(device string, online bool, why string) {
			g.devices.SetOnline(device, decoder, online, why)
		},
	}
}

// reply publishes a decoder's message to devices (QoS 1) over the broker its
// data came through: the embedded one, or an external broker.
func (g *Gateway) reply(broker, decoder, topic string, payload []byte) {
	if g.mqtt == nil {
		g.logger.Warn("decoder reply dropped: MQTT is not running", "decoder", decoder, "topic", topic)
		return
	}
	if err := g.mqtt.Publish(broker, topic, payload, 1); err != nil {
		g.logger.Warn("decoder reply not published", "decoder", decoder, "topic", topic, "broker", broker, "err", err)
		return
	}
	g.logger.Info("decoder reply published", "decoder", decoder, "topic", topic, "broker", broker)
}
