package bench

import "errors"

// ErrInvalidSize is returned when a size argument is not positive: a
// baseline over zero bytes would report a meaningless rate.
var ErrInvalidSize = errors.New("size must be positive")

// ErrMalformedStatus is returned when /proc/self/status lacks a field or
// holds it in an unexpected shape, which would make an RSS figure a guess.
var ErrMalformedStatus = errors.New("malformed /proc/self/status")
