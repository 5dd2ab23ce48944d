// Package query runs continuous queries over the store: each is a consumer of its input
// streams that writes its results into ordinary streams and checkpoints its operator state
// with its input positions and its output progress, so that after a crash or a restart it
// goes on with no result lost and none written twice.
//
// # Life cycle
//
// Manager{Store, Dir, Logger, Limits} → Initialize → Prepare scripts, Declare their
// streams and tables in Catalog, Create or Replace their queries → Run → Create, Replace,
// Stop, Start, Delete, Status, List … → Close. Queries defined before Run start together
// at Run, so that each pump recovers its checkpoint knowing all of its queries.
//
// # Pumps and cohorts
//
// A pump is one goroutine with one checkpoint file. The queries that read one stream (and
// perhaps tables loaded from files) share the pump of that stream: it reads each record
// once, decodes it once per source declaration into the union of the columns its queries
// read, and pushes each query the columns it reads (operator.Runner.PushDecoded). A query
// that reads several streams (a join of two streams, a table kept from a stream) has a
// pump of its own.
//
// Within a pump, a cohort is queries at the same positions. A shared pump's first cohort
// follows the stream's tips; a query with SINCE, or started again after a stop, reads in a
// cohort of its own, never past the first cohort's positions, and joins it when it gets
// there. The first cohort with no query in it moves to the tips without reading.
//
// A follower reads one stream for a cohort: every shard, a child once its parents are read
// to their end (lineage order, as deliveries read), so that the records of one partition
// key come in order across splits and merges. The records of one batch are pushed in the
// order they arrived across shards. When a cohort is at the tips of its streams, its
// queries' processing clocks are advanced to now; when a pump waits, it wakes for a new
// record, for the earliest time one of its queries' clocks must move
// (operator.Runner.NextEvent), or every few seconds to look for new shards.
//
// # Checkpoints and exactly-once output
//
// A checkpoint (Dir/streams/STREAM.ckpt, Dir/queries/NAME.ckpt) holds each cohort's
// positions and each query's operator snapshot, and the rows each query emitted since the
// checkpoint before with the tips of their streams when it was taken. A pump appends its
// checkpoints to a log, each synced (one fsync), and writes the log anew, atomically, when
// it outgrows its last checkpoint: a crash leaves the last checkpoint whole or torn (then
// dropped), never a mix. The protocol, per batch:
//
//  1. read a batch and push it; the rows the queries emit are kept, not written;
//  2. if some were emitted (or a second has passed), take the checkpoint: state and
//     positions after the batch, and the rows;
//  3. on another goroutine, while the pump reads the next batch: note the output streams'
//     tips, append the checkpoint, then write the rows into their streams, each query's
//     with its name as partition key. The next checkpoint is taken once this one is
//     written.
//
// After a crash, recovery first writes the rows of the checkpoint that their streams do
// not hold: the records after the tips with the query's partition key are the rows
// already written (a put is all or nothing, and a query's puts are in order), so it writes
// the others. Then each query resumes from its state and positions. Nothing emitted before
// the checkpoint is emitted again (the state says so), and nothing emitted after it was
// written (rows are written only after a checkpoint holds them). A put that fails is
// retried, with backoff, until it succeeds; the next checkpoint waits for it, so that the
// pump reads at most one batch more meanwhile.
//
// A query whose definition changed (its statement or the declarations of its sources, as
// Definition.Key sees them) starts with a fresh state: from its SINCE when it has one (a
// backfill), else from where the old one was. A query gone from the definitions when its
// pump starts is dropped, after its pending rows are written.
//
// # Locks
//
// Manager.mu guards the pumps and definitions; it is held while a call waits for a pump's
// goroutine (pump.do), and a pump never takes it. pump.mu guards the views (what Status
// shows) and is the innermost lock. Everything else of a pump belongs to its goroutine.
package query
