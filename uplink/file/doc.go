// Package file is the `file` destination: a local directory laid out as
// Firehose lays out an S3 bucket (the same prefixes, names, compression),
// so a directory can later be synced to a bucket as it is, or read by the
// same tools.
//
// Each object is written atomically: to a hidden temporary file in the
// object's directory, fsync'd, renamed to its name, and the directory
// fsync'd. A reader, or a gateway killed with SIGKILL, sees the whole
// object or nothing under its name. A batch written again (same ID, after a
// retry or a restart) replaces the same object, so writes are idempotent.
package file
