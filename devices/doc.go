// Package devices will turn sensor readings into records: MQTT subscriptions and the embedded
// broker, payload decoders, and periph.io sensors, each reading written to a shards stream
// with the device id as partition key.
package devices
