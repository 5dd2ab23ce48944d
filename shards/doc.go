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
// Lock order (outer first): Store.mu → Stream.mu → segment.openMu. No lock
// is held through I/O that can be slow, so a slow disk or reader holds up
// only itself:
//
//   - Store.mu guards the map of streams. CreateStream claims the name
//     under it, writes the catalog (an fsync) and opens the stream without
//     it, then publishes the stream; DeleteStream holds the name the same
//     way until the catalog forgets it.
//   - Stream.mu guards the shard map and the list of segments. The writer
//     goroutine takes it only to publish a change (a roll, a reshard,
//     retention dropping segments). A reader takes it for reading only to
//     note the shard's tip and take a reference on the segments it needs,
//     then reads (bbolt transactions, opening sealed files) without it.
//   - A segment is closed, and deleted when retention dropped it, by the
//     last holder of a reference: the list holds one, each reader one. So
//     retention and closing never close a file under a reader, and neither
//     waits for one, except Close and DeleteStream, which wait for the
//     readers inside before they return. segment.openMu serializes opening
//     and closing a sealed segment's file; the writer closes idle files
//     only when it gets openMu without waiting.
//   - clock.mu (the clock ledger), arrivalClock.mu and eventQueue.mu are
//     leaves: nothing is locked while one is held. clock.mu is held through
//     the ledger's catalog write, which only Open, the watcher and Close
//     make.
//
// Besides the streams' writers, a Store runs two goroutines from Open to
// Close: the clock watcher (every second: wall-clock steps, the first
// synchronization, the clock ledger written when due) and the event
// handler (Options.OnEvent, one event at a time). Close stops both before
// the writers.
//
// Time: retention counts age on the monotonic clock, carried across
// restarts and reboots (ledger.go); segments keep the stamps of their
// first and last commits (stamp.go); what readers see and the arrival
// times they get follow from those (visibility.go); records a consumer the
// stream keeps records for has not read outlive retention (keep.go).
package shards
