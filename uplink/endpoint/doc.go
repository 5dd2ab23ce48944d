// Package endpoint is the `http` destination: it delivers batches to an HTTP
// endpoint speaking the Amazon Data Firehose HTTP endpoint delivery protocol,
// version 1.0, exactly as Firehose sends it, so any endpoint built for
// Firehose (Datadog, New Relic, Splunk, Observe, Coralogix, a Vector or
// OpenTelemetry Collector firehose receiver, another Tidegate) takes
// Tidegate's deliveries unchanged.
//
// A request is a POST of {"requestId", "timestamp", "records": [{"data":
// base64}]} with the protocol's headers; the endpoint answers 200 with the
// same requestId. The request id is derived from the delivery's name and
// the records the request carries, nothing else, so a retry of the same
// records — in the same process, in a partial retry that packs them into a
// batch of their own, or after a restart — carries the same id and the
// endpoint can drop the duplicate.
//
// Status handling follows Firehose: only 200 (with a well-formed body whose
// requestId matches) is a delivery; 413 is permanent; every other status and
// every malformed response is retried by the delivery engine; transport
// failures are classified by uplink.Classify (an unreachable endpoint makes
// the delivery wait rather than use up its retry duration).
//
// The protocol's constants (headers, version, limits, error codes) are
// here; the receiving side, for a hub, is gateway/api/receiver.
package endpoint
