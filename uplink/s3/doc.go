// Package s3 is the `s3` destination: objects in a bucket of AWS S3 or of
// any S3-compatible store (MinIO, Ceph RGW, Garage, SeaweedFS), named and
// compressed as Amazon Data Firehose names and compresses them (package
// uplink/object).
//
// An object smaller than the part size is one PutObject; a larger one is a
// multipart upload whose parts are streamed from the compressor, so memory
// stays near one part whatever the batch size. Object names come from the
// batch's ID, so a retried batch overwrites its own object: writes are
// idempotent.
//
// Credentials come from the AWS SDK's standard chain (environment, shared
// files, SSO, instance or container roles). The SDK does not retry: the
// delivery does, with its own backoff, and waits while the store is
// unreachable.
package s3
