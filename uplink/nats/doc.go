// Package nats is the nats destination of a delivery: each record of a
// batch is published to NATS JetStream and counts as delivered when the
// stream that captures its subject acknowledges it.
//
// The subject may name the record's partition key and stream
// ({partition_key}, {stream}), so that subscribers filter by device. Every
// message carries a Nats-Msg-Id made of the delivery, stream and sequence
// number: JetStream's duplicate window drops a record sent again (after a
// retry or a restart of the gateway) instead of storing it twice.
//
// The sink never creates streams: the operator creates the JetStream stream
// that captures the subject, with its retention, replicas and duplicate
// window. A subject no stream captures is a permanent refusal.
package nats
