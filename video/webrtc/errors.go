package webrtc

import "errors"

// Sentinel errors, matched with errors.Is.
var (
	// ErrConfig: the ICE settings are invalid.
	ErrConfig = errors.New("webrtc: invalid config")
	// ErrBadOffer: the request's session description cannot be answered
	// (not application/sdp, too large, not SDP, no track we take).
	ErrBadOffer = errors.New("bad offer")
	// ErrUnsupported: the camera's video is in a codec that browsers do
	// not play over WebRTC (H.265, MJPEG).
	ErrUnsupported = errors.New("codec not playable over WebRTC")
	// ErrBusy: the server holds as many sessions as it may.
	ErrBusy = errors.New("too many WebRTC sessions")
	// ErrClosed: the server is closed.
	ErrClosed = errors.New("webrtc: server closed")
)
