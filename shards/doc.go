// Package shards is Tidegate's storage engine: local, durable, sharded
// streams in the Amazon Kinesis Data Streams model.
//
// A Store lives in one data directory. Each stream is split into shards that
// own ranges of the 128-bit hash key space; a record goes to the shard whose
// range holds the MD5 of its partition key (or its explicit hash key).
//
// Durability: a put returns only after its records are fsync'd. Concurrent
// puts to a stream are group-committed by one writer goroutine per stream into
// a single bbolt transaction, so throughput does not depend on one fsync per
// record. Records are stored in checksummed chunks (many records per bbolt
// value). A stream's data lives in time-bounded segment files, so retention
// deletes whole files: bbolt never shrinks a file, and on 32-bit ARM its map
// is capped near 2 GB, so segments stay small.
//
// Life of a Store: Open → CreateStream / Stream → Put, Read, Wait, Split,
// Merge, SetCheckpoint … → Close. All methods are safe for concurrent use.
//
// Lock order (outer first): Store.mu → stream.mu. The writer goroutine of a
// stream takes stream.mu only to publish state; readers hold stream.mu for
// reading while they touch segment files, so retention (which deletes files)
// waits for them.
package shards
