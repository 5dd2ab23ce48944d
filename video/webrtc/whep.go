package webrtc

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/tidegate/tidegate/video/cameras"
	"github.com/tidegate/tidegate/video/fragments"
)

// liveBuffer is a viewer's room for frames while its connection comes up
// or its network stalls: some ten seconds of video at 25 fps with audio.
const liveBuffer = 512

// connectTimeout bounds how long a session may take to connect.
const connectTimeout = 20 * time.Second

// serveWHEP takes a viewer's offer (the WHEP draft): the viewer gets the
// camera's live H.264 video and Opus audio, as they arrive, whichever
// protocol brings them.
func (s *Server) serveWHEP(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("camera")
	cam, ok := s.Cameras.Camera(name)
	if !ok {
		httpError(w, http.StatusNotFound, fmt.Sprintf("camera %q: %v", name, cameras.ErrNotFound))
		return
	}
	o, err := readOffer(w, r, false)
	if err != nil {
		httpError(w, publisherStatus(err), err.Error())
		return
	}
	v, sdp, err := s.newPlay(r.Context(), cam, o)
	if err != nil {
		s.Logger.Warn("whep viewer refused", "camera", name, "remote", r.RemoteAddr, "reason", err)
		httpError(w, publisherStatus(err), err.Error())
		return
	}
	s.Logger.Info("whep viewer connecting", "camera", name, "remote", r.RemoteAddr, "session", v.id)
	answer(w, "/video/"+name+"/whep/"+v.id, sdp)
}

// play is a WHEP session: the camera's live view written to a peer
// connection's tracks.
type play struct {
	srv   *Server
	id    string
	cam   *cameras.Camera
	pc    *webrtc.PeerConnection
	live  *cameras.Live
	first *cameras.LiveItem // the tracks of the session running at the start
	video *webrtc.TrackLocalStaticRTP
	audio *webrtc.TrackLocalStaticRTP
	// audioCodec is what audio is sends: Opus, or the camera's G.711.
	audioCodec fragments.Codec
	log        *slog.Logger

	connected chan struct{}
	done      chan struct{}
	once      sync.Once
}

func (v *play) camera() string   { return v.cam.Name() }
func (v *play) publishing() bool { return false }

func (s *Server) newPlay(ctx context.Context, cam *cameras.Camera, o *offer) (*play, string, error) {
	live := cam.Watch(liveBuffer)
	v := &play{srv: s, cam: cam, live: live, log: s.Logger, connected: make(chan struct{}), done: make(chan struct{})}
	select {
	case it, ok := <-live.C():
		if ok {
			v.first = &it
		}
	default:
	}
	if v.first != nil && v.first.Tracks != nil {
		if err := playable(v.first.Tracks); err != nil {
			live.Close()
			return nil, "", fmt.Errorf("camera %q: %w", cam.Name(), err)
		}
	}
	pc, err := s.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		live.Close()
		return nil, "", fmt.Errorf("webrtc: %w", err)
	}
	v.pc = pc
	if v.id, err = s.add(v); err != nil {
		live.Close()
		pc.Close()
		return nil, "", err
	}
	sdp, err := negotiate(ctx, pc, o.sdp, func() error { return v.addTracks(o) })
	if err != nil {
		s.remove(v.id)
		live.Close()
		pc.Close()
		return nil, "", err
	}
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateConnected:
			v.once.Do(func() { close(v.connected) })
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			v.close("the viewer's connection ended")
		}
	})
	time.AfterFunc(connectTimeout, func() {
		select {
		case <-v.connected:
		default:
			v.close("the viewer did not connect")
		}
	})
	go v.run()
	return v, sdp, nil
}

// playable says whether a camera's tracks can be played over WebRTC: a
// video track must be H.264.
func playable(tracks []fragments.Track) error {
	for _, t := range tracks {
		switch t.Codec.(type) {
		case fragments.H265, fragments.MJPEG:
			return fmt.Errorf("%w: its video is %s; play it over HLS, or record H.264", ErrUnsupported, t.Codec)
		}
	}
	return nil
}

// addTracks sends H.264 video, and the camera's audio (Opus, or G.711 at
// 8 kHz as PCMU or PCMA; Opus when no session tells), to the sections of
// the offer that take them.
func (v *play) addTracks(o *offer) error {
	var err error
	if o.video {
		v.video, err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000}, "video", v.cam.Name())
		if err != nil {
			return err
		}
		if err := v.send(v.video); err != nil {
			return err
		}
	}
	v.audioCodec = fragments.Opus{Channels: 2}
	if v.first != nil {
		for _, t := range v.first.Tracks {
			if c, ok := t.Codec.(fragments.G711); ok && c.SampleRate == 8000 && c.Channels <= 1 {
				v.audioCodec = c
			}
		}
	}
	capability := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}
	name := audioOpus
	if c, ok := v.audioCodec.(fragments.G711); ok {
		capability, name = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000}, audioPCMA
		if c.MuLaw {
			capability.MimeType, name = webrtc.MimeTypePCMU, audioPCMU
		}
	}
	if !o.takesAudio(name) {
		return nil
	}
	if v.audio, err = webrtc.NewTrackLocalStaticRTP(capability, "audio", v.cam.Name()); err != nil {
		return err
	}
	return v.send(v.audio)
}

// sameAudio says whether a session's audio codec is what the audio track
// sends.
func sameAudio(a, b fragments.Codec) bool {
	switch a := a.(type) {
	case fragments.Opus:
		_, ok := b.(fragments.Opus)
		return ok
	case fragments.G711:
		b, ok := b.(fragments.G711)
		return ok && a.MuLaw == b.MuLaw && b.SampleRate == 8000 && b.Channels <= 1
	}
	return false
}

// send adds a track, and reads its sender's RTCP (the interceptors need
// it read: NACKs, receiver reports); a viewer's request for a keyframe
// goes on to the camera's WHIP publisher, if it has one.
func (v *play) send(t *webrtc.TrackLocalStaticRTP) error {
	sender, err := v.pc.AddTrack(t)
	if err != nil {
		return err
	}
	go func() {
		for {
			pkts, _, err := sender.ReadRTCP()
			if err != nil {
				return
			}
			for _, pkt := range pkts {
				switch pkt.(type) {
				case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
					v.srv.askKeyframe(v.cam.Name())
				}
			}
		}
	}()
	return nil
}

// run writes the live view to the tracks, once connected, until the
// view or the connection ends.
func (v *play) run() {
	defer v.close("the camera stopped")
	select {
	case <-v.connected:
	case <-v.done:
		return
	}
	v.srv.askKeyframe(v.cam.Name()) // rather than wait for the next
	vp, ap := newPacketizer(fragments.H264{}), newPacketizer(v.audioCodec)
	var videoID, audioID int
	var params [][]byte
	setTracks := func(tracks []fragments.Track) {
		videoID, audioID, params = 0, 0, nil
		for _, t := range tracks {
			switch c := t.Codec.(type) {
			case fragments.H264:
				videoID = t.ID
				if len(c.SPS) > 0 && len(c.PPS) > 0 {
					params = [][]byte{c.SPS, c.PPS}
				}
			case fragments.Opus, fragments.G711:
				if sameAudio(v.audioCodec, c) {
					audioID = t.ID
				}
			}
		}
		vp.newSession()
		ap.newSession()
	}
	if v.first != nil && v.first.Tracks != nil {
		setTracks(v.first.Tracks)
	}
	for {
		var it cameras.LiveItem
		var ok bool
		select {
		case it, ok = <-v.live.C():
		case <-v.done:
			return
		}
		if !ok {
			return
		}
		switch {
		case it.Tracks != nil:
			if err := playable(it.Tracks); err != nil {
				v.log.Info("whep viewer: the camera's new session is not playable", "camera", v.cam.Name(), "err", err)
			}
			setTracks(it.Tracks)
		case it.Frame == nil:
		case it.Frame.Track == videoID && v.video != nil:
			for _, pkt := range vp.packets(it.Frame, params) {
				v.video.WriteRTP(pkt)
			}
		case it.Frame.Track == audioID && v.audio != nil:
			for _, pkt := range ap.packets(it.Frame, nil) {
				v.audio.WriteRTP(pkt)
			}
		}
	}
}

func (v *play) close(detail string) {
	select {
	case <-v.done:
		return
	default:
	}
	v.once.Do(func() { close(v.connected) })
	v.srv.mu.Lock()
	_, held := v.srv.sessions[v.id]
	delete(v.srv.sessions, v.id)
	v.srv.mu.Unlock()
	if !held {
		return
	}
	close(v.done)
	v.live.Close()
	go v.pc.Close()
	v.log.Info("whep viewer left", "camera", v.cam.Name(), "session", v.id, "reason", detail)
}
