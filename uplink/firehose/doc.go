// Package firehose is the `firehose` delivery destination: it writes
// batches into an Amazon Data Firehose delivery stream (or anything
// speaking its API, such as another Tidegate acting as a Firehose hub) with
// PutRecordBatch.
//
// A batch becomes as many PutRecordBatch calls as the service's limits
// require (500 records and 4 MiB of data per call). Firehose does not keep
// an order between records, so after a call in which some records failed
// the next calls go on.
//
// What Send reports:
//   - records Firehose refused one by one (an ErrorCode in
//     RequestResponses, such as ServiceUnavailableException) come back in a
//     [*uplink.PartialError], so only they are retried;
//   - records Firehose can never take (over 1,000 KiB) are never sent;
//     they are reported as a permanent PartialError once everything else in
//     the batch went through;
//   - a call refused as a whole (a missing delivery stream, access denied,
//     an unusable KMS key, a stream fed by Kinesis) is [uplink.Permanent];
//     ServiceUnavailable, throttling and server errors are plain errors;
//     transport failures go through [uplink.Classify].
//
// Credentials come from the standard AWS chain (environment, shared files,
// SSO, container and instance roles); the configuration never holds them.
package firehose
