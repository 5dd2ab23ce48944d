package sparkplug

import "errors"

// Errors a caller can test for with errors.Is; the messages that wrap
// them say what exactly is wrong.
var (
	// ErrBadPayload: the payload is not a Sparkplug B protobuf we can read.
	ErrBadPayload = errors.New("sparkplug: bad payload")
	// ErrBadTopic: the topic is not in the spBv1.0 namespace's shape.
	ErrBadTopic = errors.New("sparkplug: bad topic")
)
