// Package rtsp is the gateway's RTSP: pulling from cameras, and a server
// that publishers push to. It wraps gortsplib v4.16.2 and mediacommon, so
// that a move to gortsplib v5 stays in this package.
//
// # Pull
//
// A camera whose `source:` is an rtsp:// or rtsps:// URL is a Puller (the
// source type "rtsp", registered with video/cameras): DESCRIBE, SETUP of
// every track the store records, PLAY, over TCP, UDP, or UDP then TCP
// (auto); basic and digest authentication with the credentials of the
// URL or of the camera's keys. A lost or refused session is logged with
// its reason and retried after a back-off of 1 s doubling to 30 s, with
// jitter; the gap it leaves in the recording says camera offline, or
// network when the media timed out while the connection stayed up.
//
// # Push
//
// Server takes ANNOUNCE and RECORD on rtsp://host:port/<camera>, for the
// cameras that video/cameras.Manager.Publisher hands out (declared with
// `source: publisher`, or created by publishing when new paths are
// allowed), checking the camera's own credentials or else the server's.
// A newer publisher to a camera replaces the older one.
//
// # Media
//
// Each session's tracks are its medias' first formats of a codec the
// store records: H.264, H.265, MJPEG video; AAC (MPEG-4 audio), Opus,
// G.711 audio. RTP packets become access units (gortsplib's and
// mediacommon's depacketizers, our decode-time extraction for B-frames),
// timed by the library's presentation time, the camera's wall clock from
// RTCP sender reports (the frame's Producer time) and the gateway's
// receive time. Video is kept from a keyframe on; a track whose timing
// breaks (the camera's clock stepped back) waits for its next keyframe,
// and the store keeps its timeline monotonic and notes the jump. An
// MJPEG track's picture size, which the session description lacks, comes
// with its first frame: the recording begins then. Everything a camera
// sends is hostile: a panic in a depacketizer is an error that resets
// the track, and FuzzSDP and FuzzDepacketize feed arbitrary descriptions
// and packets through to a real store.
//
// # Life and locks
//
// Puller.Run runs one RTSP session at a time until its context ends.
// Server: fields → Start → Close. A feed (one RTSP session's tracks and
// its camera session) has one mutex, held while a packet is decoded and
// queued; the camera session's queue never waits for the disk.
package rtsp
