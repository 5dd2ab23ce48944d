// Package webrtc is the gateway's WebRTC: WHIP ingest (RFC 9725), by
// which a browser, OBS or a pion client publishes a camera, and WHEP
// playback, by which a browser watches one live. It wraps pion/webrtc v4.
//
// # WHIP
//
// POST /video/<name>/whip with an SDP offer (application/sdp) is answered
// 201 Created with the answer and the session's Location; DELETE on that
// Location hangs up. The publisher becomes camera <name> as an RTSP push
// does (video/cameras.Manager.Publisher: a declared `source: publisher`
// camera, or a new one when publish_new_paths allows), and with the same
// credentials rule: the camera's own username and password (HTTP Basic),
// else the server's Authorize (the gateway's tokens and signatures, which
// a non-loopback listener must have). H.264 (packetization mode 1) and
// Opus or G.711 (PCMU, PCMA at 8 kHz: the offer's first of them) are
// taken; a newer publisher to a camera replaces the older one.
// The camera's session begins when media flows and ends, with a gap of
// reason camera offline, when the publisher hangs up or its connection
// fails. Frames are timed by the gateway's receive time of each track's
// first packet and the RTP clock after it; the publisher's wall clock,
// from its RTCP sender reports, is each frame's producer time. The
// publisher is asked for a keyframe (PLI) when the video track needs one
// to go on, and when its last keyframe is KeyframeInterval old: browsers
// send one only when asked, and a fragment ends only at a keyframe.
//
// # WHEP
//
// POST /video/<camera>/whep with an offer that receives: the viewer gets
// the camera's live view (video/cameras.Camera.Watch) — frames as they
// arrive, before they are stored — as H.264 and Opus (or the camera's
// G.711 at 8 kHz, as PCMU or PCMA), from the next
// keyframe, whatever protocol brings the camera. It stays through the
// camera's reconnects; a camera whose video is H.265 or MJPEG is refused
// (415): browsers do not play them over WebRTC, HLS does. B-frames are
// sent in decode order, which browsers' WebRTC decoders do not reorder.
//
// # ICE
//
// Host candidates only, gathered before the answer (no trickle ICE: PATCH
// answers 405). ICE.UDP is one UDP port that every session shares
// (host:port, 127.0.0.1:8189 by default) or a range with a port per
// session (host:min-max); a host of 0.0.0.0 gathers every interface.
// ICE.AdditionalHosts announces more IP addresses as host candidates, for
// a gateway behind a 1:1 NAT or a port forward. Multicast DNS is off.
//
// # Life and locks
//
// Server: fields → Initialize → handlers → Close. Each session has a
// mutex of its own and takes Server.mu only alone, to register and
// remove itself. A WHIP track has a goroutine reading RTP into the
// camera's session (which never waits for the disk) and one reading
// RTCP; a WHEP viewer has one writing the live view, which never holds
// the camera back.
package webrtc
