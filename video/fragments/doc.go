// Package fragments is the video store: each camera's recording as fMP4
// fragments (the Kinesis Video Streams model on the device), with a
// crash-consistent index, a gap ledger and retention.
//
// # Model
//
// A fragment is an fMP4 moof and mdat that starts on a keyframe of the
// camera's video track (the lead track; audio rides alongside) and lasts
// about FragmentTarget (2 s; with a longer GOP, one GOP). Each has a
// number (per camera, monotonic, never reused), a server time (the
// gateway's receive time of its first frame, never going back by more than
// a second), a producer time (the camera's clock, when the ingest knows
// it), a duration, a size, and frame and keyframe counts. Every hole in a
// recording is in the gap ledger with a start, an end (none while open)
// and a reason: camera offline, network, disk full, store full, restart,
// clock jump, storage error.
//
// # Files
//
// dir/index.db is the bbolt index; dir/cameras/<name>/<id>.mp4 are segment
// files. A segment file is an fMP4 file that ffprobe and browsers play: an
// init segment (ftyp, moov) naming the tracks, then fragments, each
// followed by a 70-byte uuid box (the trailer: number, times, counts, and
// a CRC-32C of the fragment and the trailer). A codec change (new
// parameter sets in band, or SetTracks) starts a new segment file, as do
// SegmentSpan and SegmentBytes; retention deletes whole files. Segment
// files rather than a file per fragment: one file creation and directory
// fsync per segment instead of per fragment, and no per-file overhead,
// so the bytes written are the fMP4 bytes plus the trailer (the measured
// write amplification is in TestWriteAmplification).
//
// # Durability
//
// A fragment is durable when WriteFrame has written it and fsync'd its
// segment file (and, for a new file, the camera's directory): the recovery
// point is one fragment. Only then is it counted, published to
// subscribers and readable. The index is committed every IndexInterval,
// at every retention deletion, when a gap opens, and at Close: many
// fragments a transaction. After a crash or power cut Open scans each
// segment file past what the index holds, indexes every complete
// fragment whose checksum matches (running it through the gap rules as
// the recorder did), cuts a torn tail and reports it, removes index
// entries whose bytes are gone, and opens a gap of reason restart when a
// recording was running. Retention commits an index transaction that
// removes the segments' fragments and raises the camera's floor before it
// unlinks the files, so a file that a crash brings back is removed, never
// indexed again.
//
// # Life
//
// Open → Configure, Record → Recorder.WriteFrame … → Recorder.Close; reads
// (Cameras, Fragments, Gaps, ReadFragment, Follow, Subscribe, WriteClip)
// at any time → Close, which closes the recorders (with a gap of reason
// restart). One goroutine, started by Open and ended by Close, commits
// the index and runs age retention. All methods are safe for concurrent
// use; one camera has one Recorder at a time.
//
// # Lock order
//
// Recorder.mu → Store.flushMu → Store.mu → camera.mu → Subscription.mu.
// camera.mu is held only for in-memory work, never across a write, an
// fsync or an index commit; a Recorder holds its own mutex across the
// write and fsync of a fragment, and takes Store.flushMu for retention.
package fragments
