// Package devices brings field data into streams: MQTT subscriptions (an
// embedded broker and external brokers), payload decoders, and periph.io
// sensors. Each reading becomes a record whose partition key is the device
// id. Subpackages: decode (payload decoders), sparkplug (Sparkplug B),
// mqtt (brokers and subscriptions), sensors (periph drivers and polling).
package devices
