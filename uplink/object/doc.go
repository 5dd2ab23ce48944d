// Package object holds what the object destinations (uplink/s3 and
// uplink/file) share: the compression of an object's body and the names of
// objects, both exactly as Amazon Data Firehose does them, so that tools
// reading a Firehose bucket (Athena, Glue crawlers, Spark jobs) read ours
// unchanged.
//
// An object's key is <evaluated prefix><suffix>. The suffix is
// <delivery>-1-<yyyy>-<MM>-<dd>-<HH>-<mm>-<ss>-<unique><extension>, with the
// time, in UTC, the arrival time of the object's oldest record (as Firehose
// takes it) and <unique> derived from the batch's ID, so a batch written
// again after a retry or a restart lands on the same key: writes are
// idempotent.
//
// A prefix may hold Firehose's expressions (!{timestamp:<pattern>},
// !{firehose:random-string}, !{firehose:error-output-type}) and our
// !{partitionKey}, which splits a batch into one object per partition key.
// [NewLayout] applies Firehose's validation rules to a prefix and an error
// prefix; [Layout.Objects] and [Layout.ErrorObjects] name a batch's objects.
package object
