// Package operator runs a continuous query: the windows, watermarks, emit policies, joins
// and stateful functions of a plan.Query, over rows pushed one at a time in the order they
// are read, with event times possibly out of order. Its state snapshots to bytes and
// restores exactly, so that a runtime that checkpoints it with its input positions resumes
// after a crash with no result lost and none written twice.
//
// # Life cycle
//
// New(query, Options{Limits, Sink}) makes a Runner (and loads the tables the query reads
// from files). Push(input, data, meta) decodes a record of one of the query's inputs and
// runs it through; PushDecoded does the same for a record the runtime decoded itself.
// Advance(now) moves the processing clock when no record comes; NextEvent says when it
// next must (an idle timeout, an EMIT EVERY tick, a window on arrival time closing), and
// Skip counts a record the runtime decoded itself and found bad. Every row the query emits
// goes to the Sink during these calls, numbered by Emitted.Seq. Snapshot returns the whole
// state as bytes; Restore, on a Runner made by New for the same query, takes it back.
// Flush ends a finite input. A Runner is driven from one goroutine; it starts none.
//
// # Time
//
// A row's time is its event time (the stream's timestamp column, or the window's own time
// expression) when the query has one, else the processing clock.
//
// The processing clock is the latest arrival time pushed (record.Meta.Arrival) or
// advanced to; it never goes back. It drives everything that happens without an input row:
// the idle timeout, EMIT EVERY ticks, the windows of a query on arrival time, the
// expiry of stateful-function states. Because it moves only with what is pushed and
// advanced, a replay of the same records fires the same things in the same order — at the
// next push, where the first run fired them at an Advance — as long as the runtime keeps
// Advance's promise: after Advance(now), no record pushed arrived before now.
//
// On arrival time a row's time is the clock when it is pushed (its arrival, or the clock
// if that is later: a record read late from another shard), so no row is ever late, and a
// window closes when the clock reaches its end.
//
// # Watermarks per partition key
//
// On event time every partition key (the driving record's Meta.Key: for a device's
// readings, the device) has its own clock. Its watermark is the latest event time it has
// sent minus the source's lateness; every row of the key moves it, whether WHERE keeps
// the row or a join matches it. The rules:
//
//   - A window waits for the partition keys that put a row into it. It closes — its result
//     written — once the watermark of every one of them has passed its end. A key whose
//     clock is wrong therefore holds back only the windows it writes into, and cannot close
//     anyone else's: its rows land in the windows of its own (wrong) times.
//   - A row is late when its own key's watermark has passed the end of its window (for
//     HOP, of all its windows; one that misses only some is taken by the others and counted
//     in PartlyLate). Whether a row is late depends on its key alone. A late row goes to
//     the EMIT LATE INTO stream as it was pushed, or is counted in LateDropped: never lost
//     unseen.
//   - With GROUP BY device and one device per key, a device's windows close by its own
//     watermark only. A group that gathers several keys (GROUP BY room, or no key) waits
//     for all the keys in a window; a key that sends a row for one of the group's windows
//     already closed, on time by its own watermark, opens that window again, and the
//     window's result is written a second time, over the rows that came since.
//   - A key silent for the idle timeout (processing time) goes idle: every window that
//     waits for it stops waiting (and closes, if no other key holds it), and its watermark
//     moves past their ends, so that a row of it for those windows is late. Without an
//     idle timeout a silent key holds its windows until it sends again, or is evicted.
//
// Windows: TUMBLE and HOP are aligned to the epoch and cover [window_start, window_end). A
// SESSION is a group's rows each within the gap of the next (and within the maximum
// length of the first); it closes when the watermarks pass its last row's time plus the
// gap (or its first row's plus the maximum length, if sooner); out-of-order rows merge
// sessions. A SLIDE window is the range (or the n rows) ending at each row; the row's
// result is written once its key's watermark reaches its time, over the group's rows then
// buffered; a row older than its key's watermark is late. A COUNTWINDOW counts rows of its
// group in arrival order, and closes after n; it has no watermark and no late rows, and
// one not yet full waits for its rows (its window_start and window_end are the earliest and
// latest times of its rows).
//
// # Emit policies
//
//   - ON WINDOW CLOSE: each window's result once, when it closes. With ORDER BY and LIMIT
//     (TUMBLE and HOP only), the results of one window are written together, ordered and
//     limited, when the last group's window closes; ties keep the order they closed in.
//   - EVERY interval: at each tick of the processing clock (multiples of the interval),
//     the current result of every window that changed since its last one; then the final
//     result when it closes. With ORDER BY or LIMIT, the ranking of each window where one
//     group changed (open groups' current results, closed groups' final ones).
//   - ON UPDATE: each row that changes a window's result writes the new result (HAVING
//     applied); an unchanged result is not written again. No retractions: a result that
//     HAVING stops keeping, or a session merged into another, gets no further row, and the
//     last row written for a window is its result. SLIDE writes a result for every row.
//
// # Joins
//
// A table is looked up by its key: a table loaded from a file (every row of a key), or
// kept from a stream (the latest row of each key, at most max_keys, the least recently
// updated dropped first; a Push to its input updates it). A LEFT JOIN passes a row
// without a match with NULLs.
//
// Two streams join within the time bound [Lower, Upper] the planner read from ON: a left
// row at time t matches the right rows of its join key (the values of ON's equalities)
// within [t + Lower, t + Upper]. Each side keeps its rows while a row still to come of the
// other side may match them, judged by the other side's watermark for that join key; a row
// older than its own side's watermark for its join key is late (counted in JoinLate).
// Matches are written as either row arrives. A LEFT JOIN writes a left row that never
// matched, with NULLs, once the right side's watermark passes its bound (or it is
// evicted, or its join key goes idle). Joined rows carry the left row's time and partition
// key on into windows; rows that come out of the join when a right row arrives may be
// behind their key's watermark by up to the bound: set the lateness to cover it.
//
// # Stateful functions
//
// LAG, LATEST, CHANGED and ANOMALY_SCORE keep a state per partition key, stepped with each
// of the key's rows in the order they arrive (before WHERE), with the row's time. A key
// silent for longer than the longest time limit of the query's calls (processing time) is
// forgotten; at most MaxKeys keys are kept, the least recently seen dropped first.
//
// # Bounds
//
// The runner enforces the limits the plan's Bound was computed from: MaxGroups open windows
// per TUMBLE/HOP window (a row beyond is refused and counted) and groups with open sessions,
// count windows or SLIDE buffers (SLIDE drops the least recently used group with no row
// waiting); MaxKeys partition keys (the least recently seen evicted, its windows released
// as if it went idle) and join keys per join; MaxRows rows in SLIDE buffers (beyond,
// refused) and per side of a stream join (the oldest evicted; a LEFT JOIN's unmatched left
// row written with NULLs); max_keys per table kept from a stream; MaxRows rows per table
// file (New fails beyond). Memory reports the state's size as the planner counts it.
//
// # Snapshots
//
// Snapshot writes every piece of state — clocks and watermarks, windows and their
// accumulators, SLIDE buffers, join buffers and tables kept from streams, stateful states,
// pending ORDER BY results, the counters and the emitted-row number — in a versioned
// binary form that is the same for the same state (nothing is written in map order).
// Restore refuses bytes of another query or version, or corrupt ones, with an error and
// the runner unchanged. Tables loaded from files are not in it: New loads them again.
package operator
