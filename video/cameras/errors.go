package cameras

import "errors"

// Sentinel errors, matched with errors.Is.
var (
	// ErrConfig: a camera's configuration is invalid.
	ErrConfig = errors.New("cameras: invalid config")
	// ErrNotFound: no camera of that name, and none may be created by
	// publishing to it.
	ErrNotFound = errors.New("no such camera")
	// ErrNotPublishable: the camera pulls from its own source and takes no
	// publisher.
	ErrNotPublishable = errors.New("camera takes no publisher")
	// ErrStopped: the camera was stopped (removed, or the gateway is
	// stopping) and begins no new session.
	ErrStopped = errors.New("camera stopped")
)
