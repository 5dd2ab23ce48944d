// Package kinesisapi serves the Amazon Kinesis Data Streams API (Kinesis_20131202)
// over HTTP on top of the shards storage engine, so unchanged AWS SDKs, the AWS
// CLI and the KCL read and write the gateway's streams.
//
// An API is a struct of configuration and dependencies; its zero value plus a
// Store is ready to serve. The gateway routes POST / requests whose X-Amz-Target
// starts with "Kinesis_20131202." to API.ServeHTTP.
//
// # Operations
//
// Streams: CreateStream, DeleteStream, DescribeStream, DescribeStreamSummary,
// ListStreams, DescribeLimits, Increase/DecreaseStreamRetentionPeriod,
// UpdateMaxRecordSize, UpdateStreamMode, Enable/DisableEnhancedMonitoring,
// Start/StopStreamEncryption, AddTagsToStream, RemoveTagsFromStream,
// ListTagsForStream, TagResource, UntagResource, ListTagsForResource.
// The stream mode, monitoring and encryption settings are kept as the
// stream's attributes (settings.go) and reported by every describe. Shards: ListShards, SplitShard, MergeShards,
// UpdateShardCount. Records: PutRecord, PutRecords, GetShardIterator,
// GetRecords. Enhanced fan-out: RegisterStreamConsumer,
// DeregisterStreamConsumer, DescribeStreamConsumer, ListStreamConsumers,
// SubscribeToShard. StreamARN is accepted wherever Kinesis accepts it, and
// ConsumerARN (or StreamARN and ConsumerName) names a consumer. Other
// Kinesis operations answer UnknownOperationException.
//
// # Wire
//
// Requests and responses are application/x-amz-json-1.1 (what the AWS CLI, the
// Go, Python and JavaScript SDKs send) or application/x-amz-cbor-1.1 (the Java
// SDKs' default). The response uses the request's encoding. In JSON, blobs are
// base64 and timestamps epoch seconds with a fraction. In CBOR, blobs are byte
// strings and timestamps are tag 1 around integer epoch milliseconds: not RFC
// 8949's seconds, but what the AWS Java SDKs write and read (their
// SdkCborGenerator writes Date.getTime() under tag 1, and their unmarshallers
// read the number as milliseconds). Incoming CBOR timestamps are read
// leniently: an integer of magnitude ≥ 10^11 is milliseconds, a smaller integer
// or any float is seconds.
//
// The protocol plumbing — dispatch, body limit, Auth hook, errors, request
// ids, panic containment — is package awsjson's; this package brings the
// operations, the two codecs and the mapping of the engine's errors.
//
// Errors have the AWS shape: HTTP 400 (500 for internal failures), the header
// x-amzn-ErrorType and a body {"__type": type, "message": text}. Before an
// operation runs, a request can fail with:
//
//   - a method other than POST: AccessDeniedException, HTTP 403 (as AWS does);
//   - a content type other than the two above (application/json and
//     application/x-amz-json-1.0 are accepted as JSON): UnknownOperationException;
//   - a missing or unknown X-Amz-Target: UnknownOperationException;
//   - a body over MaxRequestBytes: ValidationException;
//   - a rejection by the Auth hook: the hook's error type;
//   - a body that does not parse, or a member of the wrong type: SerializationException.
//
// Refusals are in Kinesis's words where clients match on them (checked
// against kinesalite by differential_test.go). Engine errors an operation does
// not describe itself map to AWS types, with the engine's explanation and
// without its prefix: not found → ResourceNotFoundException,
// already exists → ResourceInUseException, bad argument →
// InvalidArgumentException, over a limit → LimitExceededException (or, where
// AWS validates the request shape — more than 500 records, a record over its
// size — ValidationException in AWS's "1 validation error detected" form), a
// deleted stream → ResourceNotFoundException, a closed store → InternalFailure.
// A stream that reached its byte limit with on_full: reject_new refuses puts
// with ProvisionedThroughputExceededException — per record in PutRecords — so
// producers back off and retry exactly as they do when real Kinesis throttles.
//
// The JSON of PutRecords requests and of PutRecords and GetRecords responses
// is read and written by hand (fastjson.go): encoding/json spent most of a
// put's CPU. Anything but the plain shape SDKs send falls back to
// encoding/json, so both accept and refuse the same bodies.
//
// # SubscribeToShard
//
// The response is an AWS event stream (application/vnd.amazon.eventstream)
// over HTTP/1.1 chunked encoding or HTTP/2: an initial-response event, then
// SubscribeToShardEvent events as records arrive — each at most about 1 MiB
// of data, flushed at once — and an empty event after every 5 idle seconds.
// The session ends after 5 minutes, or after the event that names a closed
// shard's children. Errors after the stream started are exception events.
//
// # Shard iterators
//
// An iterator is the engine's cursor (stream id, shard, position) with the
// stream's name and its issue time, signed with HMAC-SHA256 under IteratorKey
// and encoded base64url. It expires five minutes after it was issued
// (ExpiredIteratorException); a forged or damaged one is InvalidArgumentException.
// Without an IteratorKey a random key is made at first use, so iterators do not
// survive a restart.
//
// # Differences from AWS
//
// Every change is synchronous: a stream is ACTIVE as soon as CreateStream
// returns, and resharding is done when SplitShard returns. An ON_DEMAND
// stream starts with four shards (unless ShardCount says otherwise) and does
// not scale by itself. Encryption is recorded, not applied: the describes
// report KMS and the KeyId, records are stored as they came, and puts and
// reads report EncryptionType NONE. Retention is 1 to 8,760 hours (below
// Kinesis's 24, for small disks); Increase/DecreaseStreamRetentionPeriod refuse a shorter/longer
// period and accept an equal one, as Kinesis does. ListShards supports the
// ShardFilter types AFTER_SHARD_ID, AT_TRIM_HORIZON, FROM_TRIM_HORIZON,
// AT_LATEST, AT_TIMESTAMP and FROM_TIMESTAMP. Consumers share the engine's
// consumer namespace with the gateway's own readers; there is no limit of 20
// per stream, and more than one SubscribeToShard per consumer and shard may run
// at a time.
//
// # Throttling
//
// When Throttled(stream) is true, each shard has token buckets with Kinesis's
// limits: 1 MiB/s and 1,000 records/s in, 5 GetRecords calls/s and 2 MiB/s
// out. Otherwise the only limit is the disk.
package kinesisapi
