package fragments

import "errors"

// Sentinel errors. Callers match them with errors.Is; the messages carry the
// details. The Kinesis Video API maps them to AWS error types.
var (
	// ErrNotFound: the camera or fragment does not exist, or retention
	// deleted it (ResourceNotFoundException).
	ErrNotFound = errors.New("not found")
	// ErrInvalidArgument: a bad camera name, track, codec or frame
	// (InvalidArgumentException). Nothing of the call was stored.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrBusy: the camera already has a Recorder; one camera has one
	// writer at a time.
	ErrBusy = errors.New("camera is being recorded")
	// ErrClosed: the store or recorder has been closed.
	ErrClosed = errors.New("closed")
	// ErrCorrupt: stored bytes fail their checksum or do not parse. Reads
	// return it for the one fragment; the rest of the store is unaffected.
	ErrCorrupt = errors.New("corrupt fragment")
	// ErrLocked: another process holds the store's directory.
	ErrLocked = errors.New("video store in use by another process")
	// ErrTooLarge: a clip would pass the 4 GiB that a progressive MP4 with
	// 32-bit offsets can address.
	ErrTooLarge = errors.New("clip too large")
	// ErrLagged: a subscription fell too far behind and was dropped so
	// that the recording never waits for it.
	ErrLagged = errors.New("subscriber fell behind")
)
