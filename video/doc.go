// Package video is the camera half of the gateway, in one package per
// concern: the fragment store (video/fragments: fMP4 fragments fsync'd one
// by one, an index, a gap ledger, retention, clips), the cameras and their
// source types (video/cameras), RTSP pull and push (video/rtsp), a record
// per stored fragment into a stream (video/events), still pictures for ML
// (video/frames), Matroska for the media feed (video/mkv), WHIP ingest and
// WHEP live playback (video/webrtc), and HLS live and of past ranges
// (video/hls).
package video
