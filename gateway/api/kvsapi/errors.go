package kvsapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
	"github.com/tidegate/tidegate/video/fragments"
	"github.com/tidegate/tidegate/video/frames"
)

// The error types the API sends, as Kinesis Video Streams names them.
const (
	errInvalidArgument  = "InvalidArgumentException"
	errResourceNotFound = "ResourceNotFoundException"
	errUnsupportedMedia = "UnsupportedStreamMediaTypeException"
	errNoDataRetention  = "NoDataRetentionException"
)

func invalid(format string, args ...any) *awsjson.Error {
	return awsjson.NewError(errInvalidArgument, format, args...)
}

func notFound(format string, args ...any) *awsjson.Error {
	return &awsjson.Error{Type: errResourceNotFound, Message: fmt.Sprintf(format, args...), Status: http.StatusNotFound}
}

// mapError turns the video store's and the frame extractor's sentinels
// into Kinesis Video's errors; the rest is an InternalFailure.
func mapError(err error) *awsjson.Error {
	msg := err.Error()
	for _, p := range []string{"fragments: ", "frames: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	switch {
	case errors.Is(err, fragments.ErrNotFound):
		return notFound("%s", msg)
	case errors.Is(err, fragments.ErrInvalidArgument), errors.Is(err, frames.ErrInvalidArgument):
		return invalid("%s", msg)
	case errors.Is(err, frames.ErrNoDecoder), errors.Is(err, frames.ErrNoVideo):
		return awsjson.NewError(errUnsupportedMedia, "%s", msg)
	}
	return nil
}
