// Package awsclient holds the AWS SDK settings the AWS destinations
// (uplink/firehose, uplink/kinesis, uplink/s3) share, so that a gateway
// finds credentials, retries, times out and reads an AWS error the same way
// whichever AWS service a delivery writes to: the aws.Config a service
// client is built from, the checks of a region and an endpoint, and the
// marking of an API error for the delivery engine.
//
// Each destination keeps its own configuration type, its set of permanent
// error codes, its limits and its messages: errors from here start with
// what is at fault ("region", "endpoint", "load AWS configuration"), for the
// destination to wrap with its own name.
package awsclient
