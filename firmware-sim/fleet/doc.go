// Package fleet runs simulated sensor nodes that publish readings to an MQTT broker the way
// field firmware does: one connection per node (client id = node id), readings at a steady
// rate with jitter, a bounded local queue that holds readings while the broker is away and
// drains oldest-first when it is back, QoS 1 redelivery until the broker acknowledges, and
// reconnection with exponential backoff and jitter.
//
// Payloads are JSON or Sparkplug B (NBIRTH with aliases and bdSeq on every connection,
// NDATA with seq 0..255 and aliased metrics, NDEATH as the MQTT will). The protobuf is
// written by hand with protowire; firmware-sim shares no code with the gateway.
//
// Life of a Fleet: New (validates the Config) → Run (blocks until every node has sent its
// Count, the Duration is over, or the context is cancelled, then flushes the queues for up
// to FlushTimeout and disconnects) → Report.
package fleet
