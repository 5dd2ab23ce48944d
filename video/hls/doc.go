// Package hls serves the cameras' recordings as HLS (RFC 8216, version 7:
// fMP4 segments with EXT-X-MAP) straight from the fragment store, live
// and of past ranges, for a <video> element (Safari, Chromium's native
// HLS, hls.js over MSE) and for ffmpeg.
//
// # Files
//
// /video/<camera>/index.m3u8 is the live playlist: the newest fragments
// (DefaultLiveFragments), each one segment, growing as they are stored.
// With ?start=&end= (RFC 3339; end defaults to now) it is a VOD playlist
// of the fragments that overlap the range (EXT-X-ENDLIST). Segments are
// /video/<camera>/hls/<number>.m4s, a stored fragment's moof and mdat as
// written and fsync'd; the init segment of the segment file that holds
// fragment n is hls/init-<n>.mp4. Both take range requests and never
// change. Every segment has its EXT-X-PROGRAM-DATE-TIME, the gateway's
// receive time of its first frame; a new segment file of the store (a new
// session of the camera, a codec change, a full file) is an
// EXT-X-DISCONTINUITY with a new EXT-X-MAP.
//
// # Latency
//
// Segments are whole fragments, served once durable: a live player is a
// fragment (about the camera's fragment target, 2 s) plus its buffer
// behind. The live playlist supports blocking reloads (_HLS_msn), so a
// player that asks for the next segment gets it the moment it is stored;
// partial segments (EXT-X-PART) are not served.
//
// # Life
//
// A Server holds nothing between requests: set its fields and serve
// Routes. A blocking reload holds a fragment subscription for as long as
// it waits (at most three fragment targets), which never holds the
// recorder back.
package hls
