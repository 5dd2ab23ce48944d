// Package receiver is a hub's side of the Amazon Data Firehose HTTP
// endpoint delivery protocol, version 1.0: POST /api/v1/firehose/{stream}
// takes what an edge's `http` delivery (uplink/endpoint), or Amazon Data
// Firehose itself, sends, and stores it in the hub's stream {stream}.
//
// ParseRequest checks a request strictly and WriteResponse answers in the
// protocol's shape; they serve any Go program that accepts the protocol.
// Handler is the gateway's receiver on top of them: it checks the access
// key, stores one request's records in order under the sender's source
// ARN as partition key, so one sender's records stay in order, and
// answers 200 only once they are durable. Every answer, a refusal
// included, is the protocol's JSON body, built by encoding/json whatever
// bytes an error message carries.
//
// # Duplicates
//
// A sender retries a request whose answer it did not get, with the same
// request id. A Handler remembers the ids of the last 4,096 requests it
// stored, per stream, and answers a retry 200 without storing its records
// again. A retry that arrives while the first copy is still being stored
// waits for its outcome: stored, it is answered 200 and stores nothing;
// failed, it tries itself.
//
// The protocol's constants (header names, version, limits) are the
// sender's, in uplink/endpoint.
package receiver
