// Package plugins is the set of plug-ins linked into the gateway: one blank
// import per plug-in package, whose init registers its types (destinations,
// transforms, payload decoders) with the registry of their kind. Adding a
// plug-in is one package and one line here. The payload decoders and sensor
// drivers that live in their registry's own package (devices/decode,
// devices/sensors) come with it.
package plugins

import (
	// Destinations: `to: {type: …}` of a delivery.
	_ "github.com/tidegate/tidegate/uplink/endpoint" // http
	_ "github.com/tidegate/tidegate/uplink/file"
	_ "github.com/tidegate/tidegate/uplink/firehose"
	_ "github.com/tidegate/tidegate/uplink/kafka"
	_ "github.com/tidegate/tidegate/uplink/kinesis"
	_ "github.com/tidegate/tidegate/uplink/nats"
	_ "github.com/tidegate/tidegate/uplink/s3"

	// Transforms: `transform: {type: …}` of a delivery.
	_ "github.com/tidegate/tidegate/uplink/transform" // http, command

	// Payload decoders: `decoder: {type: …}` of an MQTT subscription
	// (json, number, csv and raw come with devices/decode).
	_ "github.com/tidegate/tidegate/devices/sparkplug"

	// Camera sources: a camera's `source:` (publisher comes with
	// video/cameras).
	_ "github.com/tidegate/tidegate/video/rtsp" // rtsp://, rtsps://
)
