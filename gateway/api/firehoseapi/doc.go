// Package firehoseapi serves the Amazon Data Firehose API (Firehose_20150804)
// over HTTP on top of the shards storage engine and the uplink delivery
// engine, so a Tidegate hub takes what edge gateways, the AWS SDKs and the
// AWS CLI send to Firehose, stores it durably, and delivers it onward.
//
// An API is a struct of configuration and dependencies; its zero value plus
// a Store is ready to serve delivery streams without destinations. The
// gateway routes POST / requests whose X-Amz-Target starts with
// TargetPrefix to API.ServeHTTP.
//
// # Delivery streams
//
// A delivery stream is a definition (name, type, creation time, version,
// destination) over a local stream:
//
//   - DirectPut (the default): PutRecord and PutRecordBatch write into a
//     backing stream of the delivery stream's name, created with API.Shards
//     shards unless a stream of that name exists, which is then used as it
//     is. Its delivery starts at the beginning of a stream the API created,
//     and at the creation time in a stream that existed.
//   - KinesisStreamAsSource: KinesisStreamSourceConfiguration's
//     KinesisStreamARN names an existing local stream (in any region and
//     account: the gateway's streams are its own), read from the creation
//     time on, as Firehose reads a source stream. Puts are refused.
//
// A delivery stream with a destination (ExtendedS3DestinationConfiguration,
// S3DestinationConfiguration or HttpEndpointDestinationConfiguration) runs
// a delivery: the API builds an uplink.Spec (name and source stream,
// Firehose's buffering hints, compression, the HTTP endpoint's retry
// duration) whose Destination is an S3Destination or HTTPDestination, or
// what the DestinationMapper makes of it, and hands it to Deliveries.
// Without a destination, records stay in the stream for the gateway's own
// deliveries and queries to read.
//
// Definitions are kept in DataDir/delivery-streams.json, replaced
// atomically (temporary file, fsync, rename, fsync of the directory) on
// every create and delete, and loaded by Initialize, which restarts their
// deliveries. DeleteDeliveryStream removes the definition and its delivery
// and keeps the backing stream with its records.
//
// # Partition keys
//
// Firehose has no partition key; the backing stream needs one. A record's
// key is the access key id of the request's SigV4 credential, so that one
// sender's records stay in order in one shard while senders spread over
// the shards; unsigned requests use the delivery stream's name. RecordId
// is the record's sequence number in the backing stream.
//
// # Wire
//
// Requests and responses are AWS JSON 1.1 (application/x-amz-json-1.1;
// application/x-amz-json-1.0 and application/json are accepted): blobs in
// base64, timestamps in epoch seconds with a fraction. The protocol
// plumbing is package awsjson's; this package brings the operations, its
// codec and the mapping of engine errors. Errors have the AWS
// shape: HTTP 400 (503 for ServiceUnavailableException, 500 for internal
// failures), the header x-amzn-ErrorType and a body {"__type", "message"}.
// Before an operation runs, a request can fail with AccessDeniedException
// (HTTP 403: not POST), UnknownOperationException (another content type, a
// missing or unknown X-Amz-Target), ValidationException (a body over
// MaxRequestBytes), the Auth hook's error type, or SerializationException
// (a body that does not parse).
//
// Model constraints (lengths, ranges, patterns, required members, 500
// records, 1,000 KiB per record) fail with ValidationException in AWS's "1
// validation error detected" form; meaning with InvalidArgumentException
// (unsupported features and destinations, ZIP and HADOOP_SNAPPY, "Records
// size exceeds 4 MB limit"); ResourceNotFoundException,
// ResourceInUseException and LimitExceededException as Firehose sends them.
// A backing stream that reached its byte limit with on_full: reject_new
// refuses puts with ServiceUnavailableException ("Slow down."), per record
// in PutRecordBatch, so producers back off and retry as they do when
// Firehose throttles.
//
// # Differences from AWS
//
// Every change is synchronous: a delivery stream is ACTIVE when
// CreateDeliveryStream returns and gone when DeleteDeliveryStream returns.
// HTTP endpoint URLs may be http://, not only https://. Features that would
// change what is delivered (Lambda processing, format conversion, dynamic
// partitioning, S3 backup of all data, Secrets Manager) are refused; those
// that would not (IAM roles, encryption, CloudWatch logging, tags) are
// accepted and ignored. The other operations (UpdateDestination, tagging,
// encryption) answer UnknownOperationException. A delivery that is not
// running, or whose destination keeps refusing records, shows in
// DescribeDeliveryStream as a FailureDescription of type UNKNOWN_ERROR.
package firehoseapi
