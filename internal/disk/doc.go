// Package disk is the disk guard of a data directory: one Guard shared by
// every store in it (the streams, the deliveries' markers, the MQTT session
// store, and the video and SQL stores as they come).
//
// Why one guard: the stores share one filesystem, and when it fills every
// write fails at once, the ones that must not fail too — delivery
// checkpoints and in-flight markers, consumer checkpoints, MQTT sessions,
// indexes. Delivering the backlog is the way out of a full disk, and it
// needs those writes. So the guard keeps a reserve: below it, new data is
// refused (Admit) with a clear, retryable *FullError, while bookkeeping
// writes, which never ask, still find room.
//
// Who asks: a store asks Admit before it writes new data (records, video
// fragments) and nothing before a bookkeeping write. Every store tells
// Refresh about a write that failed for want of space (IsNoSpace), so that
// the guard re-samples at once and refuses new data even when the
// filesystem's own figures do not show it full (a quota, inodes).
//
// Sampling is cheap: statfs(2), trusted for Options.Interval (250 ms), and
// sooner again after a quarter of the reserve was admitted since, so a burst
// cannot run through the reserve between two samples. Usage per store
// (Track, Usage) walks the store's files, so it is cached for longer
// (UsageInterval) and taken only when asked (a metrics scrape).
//
// State: new data is refused from the first refusal (or a sample below the
// reserve) until a sample shows the reserve and a margin free (an eighth of
// the reserve, at least 1 MiB): the margin keeps the state from flapping
// with each segment retention frees. The guard logs once when the state
// begins and once when it ends, never per refusal.
//
// Life: New → Admit / Refresh / State / Track / Usage / SetReserve from any
// goroutine. A Guard owns no goroutine and needs no Close. Locks: mu
// guards the samples and the state, and is held through nothing slower
// than statfs (log lines are written after it is let go); usageMu guards
// the usage cache and is held through a walk, so concurrent callers share
// one. Neither is taken while the other is held.
package disk
