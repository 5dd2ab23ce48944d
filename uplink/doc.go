// Package uplink forwards streams to where the data is wanted: Firehose-style
// delivery streams that read a shards stream, buffer, transform, format,
// compress and hand batches to a Sink, resuming from a durable checkpoint so
// nothing is lost while the network is away.
//
// A delivery is a consumer of its source streams with a checkpoint per shard,
// advanced only after the sink acknowledged a batch. Sinks live in their own
// packages (uplink/file, uplink/s3, uplink/endpoint, uplink/firehose,
// uplink/kinesis, uplink/kafka, uplink/nats) and implement [Sink]. Each
// package registers its destination type from its init function
// ([RegisterDestination]: the type's name, configuration, capabilities and
// constructor), and the [Manager] builds a delivery's sink through the type
// its Spec names, handing it an [Env]; nothing switches over the list of
// destination types.
//
// Errors a sink returns decide what happens to a batch:
//   - nil: every record is delivered;
//   - a [*PartialError]: the records it lists failed, the others are
//     delivered; the failed ones are retried;
//   - an error marked with [Permanent]: the destination refused the records
//     and retrying cannot help: they go to the dead-letter stream;
//   - an error marked with [Unreachable]: the destination could not be
//     reached; the batch waits, backing off, for as long as it takes (the
//     data waits in the source streams, bounded by their retention);
//   - any other error: the batch is retried, backing off, until the
//     delivery's retry duration runs out, then dead-lettered.
//
// An error marked with [MaybeDelivered] (a connection cut after the request
// went out, a timeout, a 5xx) is retried as above, and the records it
// retries are counted as redelivered: the destination may hold them
// already. A [RecordError] says the same with its MaybeDelivered field.
//
// An error with an ErrorCode() string method gives the dead-letter record
// its errorCode (the HTTP endpoint's errors carry Firehose's codes).
package uplink
