// Package kafka is the kafka destination of a delivery: each record of a
// batch becomes one Kafka record produced with franz-go.
//
// The record key is the partition key, so Kafka's default (murmur2) key
// partitioner puts every record of a key on one partition and keeps their
// order. The producer is idempotent and waits for acks from all in-sync
// replicas (franz-go's defaults): a batch is acknowledged only when Kafka has
// it on every in-sync replica, and the producer's internal retries never
// write a record twice. A record that fails fails every later record of its
// partition with it, so a retry of the failed records keeps the per-key
// order.
//
// Send returns nil, a *uplink.PartialError naming the failed records,
// uplink.Permanent for refusals that retrying cannot change (missing topic,
// authorization, record too large) or uplink.Unreachable when no broker
// answered in time.
package kafka
