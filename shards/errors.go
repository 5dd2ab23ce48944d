package shards

import "errors"

// Sentinel errors. Callers match them with errors.Is; the messages carry the
// details. The Kinesis-compatible API maps them to AWS error types.
var (
	// ErrNotFound: the stream, shard or consumer does not exist
	// (ResourceNotFoundException).
	ErrNotFound = errors.New("not found")
	// ErrExists: a stream or consumer of that name already exists
	// (ResourceInUseException).
	ErrExists = errors.New("already exists")
	// ErrInvalidArgument: a malformed or out-of-range argument
	// (InvalidArgumentException / ValidationException).
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrLimitExceeded: a request over a Kinesis limit such as 500 records or
	// 5 MiB per call (LimitExceededException / ValidationException).
	ErrLimitExceeded = errors.New("limit exceeded")
	// ErrStreamFull: the stream reached max_bytes and its on-full policy is
	// reject_new; nothing of the put was written.
	ErrStreamFull = errors.New("stream full")
	// ErrDiskFull: the data directory has too little space left for new
	// records: its disk guard (Options.Space) refused them, keeping the
	// rest for bookkeeping, or the disk answered ENOSPC. Nothing of the
	// put was written; retry once space returns. The error's text is the
	// guard's ("data directory full: N bytes free, reserve M").
	ErrDiskFull = errors.New("data directory full")
	// ErrShardClosed: the shard was closed by a split or merge.
	ErrShardClosed = errors.New("shard closed")
	// ErrClosed: the store or stream has been closed or deleted.
	ErrClosed = errors.New("closed")
	// ErrCorrupt: a chunk failed its checksum or does not decode.
	ErrCorrupt = errors.New("corrupt data")
	// ErrLocked: another process holds the data directory.
	ErrLocked = errors.New("data directory in use by another process")
)
