// Package uplink will hold the Firehose-style delivery streams: read a shards stream (or video
// fragments), buffer, transform, compress and forward to a sink, resuming from a durable
// checkpoint so nothing is lost while the network is away.
package uplink
