// Package kinesis is the `kinesis` delivery destination: it writes batches
// into an Amazon Kinesis data stream (or anything speaking its API, such as
// kinesalite or another Tidegate) with PutRecords.
//
// Each record keeps the partition key it had in the source stream, so the
// destination shards the data as the gateway did and consumers see the
// same per-key order. A batch becomes as many PutRecords calls as the
// service's limits require (500 records, 5 MiB of data and partition keys
// per call), sent one after another.
//
// What Send reports:
//   - records Kinesis refused one by one (ProvisionedThroughputExceeded,
//     InternalFailure) come back in a [*uplink.PartialError], so only they
//     are retried;
//   - after such a refusal the records of the same partition key in the
//     calls that follow are held back and reported failed too, so no later
//     call writes a key's record ahead of an earlier one awaiting its retry
//     (inside one call PutRecords itself may, and nothing can undo it);
//   - records Kinesis can never take (over 1 MiB with their key, or a key
//     that is empty or longer than 256 characters) are never sent; they are
//     reported as a permanent PartialError once everything else in the batch
//     went through;
//   - a call refused as a whole (a missing stream, access denied, a KMS key
//     that cannot be used) is [uplink.Permanent]; throttling and server
//     errors are plain errors; transport failures go through
//     [uplink.Classify].
//
// Credentials come from the standard AWS chain (environment, shared files,
// SSO, container and instance roles); the configuration never holds them.
package kinesis
