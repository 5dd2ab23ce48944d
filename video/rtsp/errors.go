package rtsp

import "errors"

// ErrUnsupported: a session offers nothing the store can record. Matched
// with errors.Is.
var ErrUnsupported = errors.New("rtsp: unsupported media")
