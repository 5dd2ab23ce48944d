// Package video is the camera half of the gateway, in one package per
// concern: the fragment store (video/fragments: fMP4 fragments fsync'd one
// by one, an index, a gap ledger, retention, clips), the cameras and their
// source types (video/cameras), RTSP pull and push (video/rtsp), and a
// record per stored fragment into a stream (video/events), WHIP ingest and
// WHEP live playback (video/webrtc), HLS live and of past ranges
// (video/hls). The other read paths are to come, each its own package.
package video
