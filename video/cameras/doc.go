// Package cameras runs the gateway's cameras: each one's source (an RTSP
// camera to pull from, or a publisher to wait for) feeding sessions of
// frames into the fragment store.
//
// # Sources
//
// A camera's `source:` names its source type: a URL whose scheme picks it
// (rtsp://, rtsps://) or a word (publisher). Each type is one package and
// one RegisterSource call from its init, with a name, the forms of
// `source:` it accepts, a configuration that the camera entry's other keys
// decode into strictly, capabilities and a constructor; the set linked
// into the gateway is the list of blank imports in gateway/plugins. A
// pulling source (video/rtsp) runs for as long as the camera does and
// reconnects by itself; a publisher source runs nothing: the ingest
// servers (the RTSP server, later WHIP) look the camera up with
// Manager.Publisher when a publisher arrives.
//
// # Sessions
//
// Whatever the protocol, media comes in sessions: Camera.Begin with the
// tracks of a session description opens a fragments.Recorder, the
// session's WriteFrame queues each depacketized frame, and End closes the
// recorder with the reason of the gap that follows (camera offline,
// network, restart). The protocol's read loops must never wait for a disk:
// WriteFrame only queues (bounded in frames and bytes), and one goroutine
// per session writes the queue into the recorder, which fsyncs once per
// fragment. A queue that overflows drops the frame, counts it, and drops
// the video track's frames until its next keyframe, so that what is
// stored still decodes. One camera has one session at a time: a new one
// (a publisher that replaces another, a reconnect) ends the old one first.
//
// # Live viewers
//
// Camera.Watch is a live view of a camera for viewers that want frames
// now (WebRTC playback) rather than once fragments are durable: each
// session's tracks, its frames as WriteFrame takes them, its end. A
// viewer's full buffer drops frames (to its next video keyframe), never
// the ingest's.
//
// # Life
//
// Manager: Initialize → Reconcile(specs) … (on each configuration reload)
// → Close, which ends every session with a gap of reason restart. A
// camera: start (Configure its store settings, watch its fragment events,
// run its source) → sessions → stop (its source canceled, its session
// ended with the reason given).
//
// # Lock order
//
// Manager.mu → Camera.beginMu → Camera.mu → Session.mu → Camera.liveMu
// (taken last, for in-memory work only). No lock is held
// while waiting for a session's writer to finish, except Camera.beginMu,
// which only Begin and stop take.
package cameras
