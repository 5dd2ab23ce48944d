package webrtc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/tidegate/tidegate/video/cameras"
	"github.com/tidegate/tidegate/video/fragments"
)

// gatherTimeout bounds the gathering of host candidates before an answer.
const gatherTimeout = 5 * time.Second

// serveWHIP takes a publisher's offer (RFC 9725): the camera it names
// records what the publisher sends, as an RTSP push would.
func (s *Server) serveWHIP(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("camera")
	remote := r.RemoteAddr
	pub, err := s.Cameras.Publisher(name)
	if err != nil {
		s.Logger.Warn("whip publisher refused", "path", name, "remote", remote, "reason", err)
		httpError(w, publisherStatus(err), err.Error())
		return
	}
	o, err := readOffer(w, r, true)
	if err != nil {
		s.Logger.Warn("whip publisher refused", "path", name, "remote", remote, "reason", err)
		httpError(w, publisherStatus(err), err.Error())
		return
	}
	p, sdp, err := s.newPublish(r.Context(), name, pub, o)
	if err != nil {
		s.Logger.Warn("whip publisher refused", "camera", name, "remote", remote, "reason", err)
		httpError(w, publisherStatus(err), err.Error())
		return
	}
	s.Logger.Info("whip publisher connecting", "camera", name, "remote", remote, "session", p.id)
	answer(w, "/video/"+name+"/whip/"+p.id, sdp)
}

// publish is a WHIP session: a peer connection whose tracks feed a
// session of the camera from the moment media flows.
type publish struct {
	srv    *Server
	id     string
	name   string
	cam    *cameras.Camera // claimed once the offer is answered
	pc     *webrtc.PeerConnection
	tracks []fragments.Track
	log    *slog.Logger

	wantKey atomic.Bool // a viewer waits for a keyframe

	mu      sync.Mutex // guards the fields below
	begun   time.Time  // when the camera's session began (its clock's zero)
	session *cameras.Session
	ended   bool
}

func (p *publish) camera() string   { return p.name }
func (p *publish) publishing() bool { return true }

// newPublish answers a publisher's offer, then claims the camera: a
// refused offer leaves no camera behind.
func (s *Server) newPublish(ctx context.Context, name string, pub *cameras.Publication, o *offer) (*publish, string, error) {
	pc, err := s.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, "", fmt.Errorf("webrtc: %w", err)
	}
	p := &publish{srv: s, name: name, pc: pc, log: s.Logger}
	if p.id, err = s.add(p); err != nil {
		pc.Close()
		return nil, "", err
	}
	// The transceivers that the offer's sections make receive only; the
	// audio one takes one format, the offer's first that the gateway
	// takes, so that the track recorded is known before it comes.
	sdp, err := negotiate(ctx, pc, o.sdp, func() error {
		if len(o.audio) == 0 {
			return nil
		}
		for _, tr := range pc.GetTransceivers() {
			if tr.Kind() == webrtc.RTPCodecTypeAudio {
				if err := tr.SetCodecPreferences([]webrtc.RTPCodecParameters{audioFormats[o.audio[0]]}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err == nil {
		p.tracks, err = answeredTracks(sdp, o)
	}
	if err == nil {
		p.cam, err = pub.Claim()
	}
	if err != nil {
		s.remove(p.id)
		pc.Close()
		return nil, "", err
	}
	pc.OnTrack(p.onTrack)
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateConnected:
			p.begin()
		case webrtc.PeerConnectionStateFailed:
			p.end(fragments.ReasonCameraOffline, "the publisher's connection failed (ICE)")
		case webrtc.PeerConnectionStateClosed:
			p.end(fragments.ReasonCameraOffline, "the publisher left")
		}
	})
	time.AfterFunc(connectTimeout, func() {
		p.mu.Lock()
		never := p.session == nil
		p.mu.Unlock()
		if never {
			p.end(fragments.ReasonCameraOffline, "the publisher did not connect")
		}
	})
	return p, sdp, nil
}

// answeredTracks are the store's tracks of what the answer takes.
func answeredTracks(sdp string, o *offer) ([]fragments.Track, error) {
	a, err := parseOffer([]byte(sdp), false)
	if err != nil {
		return nil, fmt.Errorf("%w: the answer takes none of it: %v", ErrBadOffer, err)
	}
	var tracks []fragments.Track
	if a.video && o.video {
		tracks = append(tracks, fragments.Track{ID: videoTrackID, Codec: fragments.H264{SPS: o.sps, PPS: o.pps}})
	}
	// The answer has one audio format.
	if len(a.audio) > 0 && o.takesAudio(a.audio[0]) {
		tracks = append(tracks, fragments.Track{ID: audioTrackID, Codec: audioCodec(a.audio[0], o.stereo)})
	}
	if len(tracks) == 0 {
		return nil, fmt.Errorf("%w: no H.264, Opus or G.711 track was agreed", ErrBadOffer)
	}
	return tracks, nil
}

// audioCodec is the store's codec of an audio format.
func audioCodec(name string, stereo bool) fragments.Codec {
	switch name {
	case audioPCMU:
		return fragments.G711{MuLaw: true, SampleRate: 8000, Channels: 1}
	case audioPCMA:
		return fragments.G711{SampleRate: 8000, Channels: 1}
	}
	if stereo {
		return fragments.Opus{Channels: 2}
	}
	return fragments.Opus{Channels: 1}
}

// negotiate answers an offer on pc once prepare has set up its side, with
// every host candidate in the answer (no trickle ICE).
func negotiate(ctx context.Context, pc *webrtc.PeerConnection, offerSDP string, prepare func() error) (string, error) {
	err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offerSDP})
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadOffer, err)
	}
	if err := prepare(); err != nil {
		return "", fmt.Errorf("webrtc: %w", err)
	}
	ans, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("%w: no answer to it: %v", ErrBadOffer, err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(ans); err != nil {
		return "", fmt.Errorf("webrtc: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, gatherTimeout)
	defer cancel()
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", fmt.Errorf("webrtc: gathering candidates: %w", ctx.Err())
	}
	return pc.LocalDescription().SDP, nil
}

// begin starts the camera's session, once: when the connection is up or
// the first track arrives, whichever comes first.
func (p *publish) begin() *cameras.Session {
	p.mu.Lock()
	if p.session != nil || p.ended {
		p.mu.Unlock()
		return p.session
	}
	s, err := p.cam.Begin(p.tracks, func() { p.close("replaced by a newer publisher, or the camera stopped") })
	if err == nil {
		p.session, p.begun = s, time.Now()
	}
	p.mu.Unlock()
	if err != nil {
		p.log.Error("whip publisher's recording not started", "camera", p.name, "err", err)
		p.end(fragments.ReasonCameraOffline, "the recording could not start")
		return nil
	}
	p.log.Info("whip publisher recording", "camera", p.name, "session", p.id, "tracks", len(p.tracks))
	return s
}

// onTrack reads one of the publisher's tracks into the camera's session.
func (p *publish) onTrack(track *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	id := videoTrackID
	if track.Kind() == webrtc.RTPCodecTypeAudio {
		id = audioTrackID
	}
	codec := p.trackCodec(id)
	if codec == nil || !sameMime(codec, track.Codec().MimeType) {
		p.log.Warn("whip track not recorded: not the codec agreed", "camera", p.name, "codec", track.Codec().MimeType, "agreed", codec)
		return
	}
	d, err := newDepacketizer(id, codec)
	if err != nil {
		p.log.Error("whip track not recorded", "camera", p.name, "err", err)
		return
	}
	s := p.begin()
	if s == nil {
		return
	}
	var clockMu sync.Mutex
	go p.readRTCP(recv, d, &clockMu)
	// A publisher is asked for a keyframe when it needs one to go on,
	// when its last is a keyframe interval old (browsers send one only
	// when asked, and a fragment ends only at a keyframe), and when a
	// viewer wants one; at most once a second.
	var lastPLI, lastKey time.Time
	every := p.srv.keyframeInterval()
	errs := 0
	for {
		pkt, _, err := track.ReadRTP()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				p.log.Debug("whip track ended", "camera", p.name, "err", err)
			}
			return
		}
		received := time.Now()
		clockMu.Lock()
		frames, err := d.packet(pkt, received.Sub(p.begun))
		clockMu.Unlock()
		if err != nil {
			if errs++; errs == 1 || errs%1000 == 0 {
				p.log.Warn("whip media not decoded; the track resumes at its next keyframe", "camera", p.name,
					"codec", codec.String(), "err", err, "errors", errs)
			}
		}
		for _, f := range frames {
			if f.NALUs != nil && h264.IsRandomAccess(f.NALUs) {
				lastKey = received
			}
			f.Received = received
			s.WriteFrame(f)
		}
		if d.h264 != nil && received.Sub(lastPLI) >= time.Second &&
			(d.needsKeyframe() || received.Sub(lastKey) >= every || p.wantKey.Load()) {
			lastPLI = received
			p.wantKey.Store(false)
			p.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(track.SSRC())}})
		}
	}
}

// trackCodec is the codec of the store's track id, nil for none.
func (p *publish) trackCodec(id int) fragments.Codec {
	for _, t := range p.tracks {
		if t.ID == id {
			return t.Codec
		}
	}
	return nil
}

// sameMime says whether a track of mime type carries codec.
func sameMime(codec fragments.Codec, mime string) bool {
	want := ""
	switch c := codec.(type) {
	case fragments.H264:
		want = webrtc.MimeTypeH264
	case fragments.Opus:
		want = webrtc.MimeTypeOpus
	case fragments.G711:
		want = webrtc.MimeTypePCMA
		if c.MuLaw {
			want = webrtc.MimeTypePCMU
		}
	}
	return strings.EqualFold(mime, want)
}

// readRTCP reads a track's RTCP (which the interceptors need read), and
// takes the publisher's clock from its sender reports.
func (p *publish) readRTCP(recv *webrtc.RTPReceiver, d *depacketizer, mu *sync.Mutex) {
	for {
		pkts, _, err := recv.ReadRTCP()
		if err != nil {
			return
		}
		for _, pkt := range pkts {
			if sr, ok := pkt.(*rtcp.SenderReport); ok {
				mu.Lock()
				d.senderReport(sr.NTPTime, sr.RTPTime)
				mu.Unlock()
			}
		}
	}
}

// end ends the camera's session with a gap of the reason, and the peer
// connection.
func (p *publish) end(reason fragments.Reason, detail string) {
	p.mu.Lock()
	first := !p.ended
	p.ended = true
	s := p.session
	p.mu.Unlock()
	if !first {
		return
	}
	if s != nil {
		s.End(reason, detail)
	}
	p.srv.remove(p.id)
	go p.pc.Close()
	p.log.Info("whip publisher left", "camera", p.name, "session", p.id, "reason", detail)
}

func (p *publish) close(detail string) { p.end(fragments.ReasonCameraOffline, detail) }
