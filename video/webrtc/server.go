package webrtc

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/tidegate/tidegate/video/cameras"
	"github.com/tidegate/tidegate/video/fragments"
)

// Cameras is where the server finds cameras (a cameras.Manager): the one
// a publisher records into, the one a viewer watches.
type Cameras interface {
	Publisher(name string) (*cameras.Publication, error)
	Camera(name string) (*cameras.Camera, bool)
}

// Defaults of a Server.
const (
	// DefaultMaxSessions bounds the sessions a server holds at once.
	DefaultMaxSessions = 64
	// DefaultKeyframeInterval is the store's default fragment target, as
	// MediaMTX asks WebRTC publishers for a keyframe every 2 s.
	DefaultKeyframeInterval = 2 * time.Second
)

func (s *Server) keyframeInterval() time.Duration {
	if s.KeyframeInterval > 0 {
		return s.KeyframeInterval
	}
	return DefaultKeyframeInterval
}

// Server serves WHIP ingest and WHEP playback over HTTP, the media over
// ICE host candidates (see ICE).
//
// Life: set the fields → Initialize (binds the UDP port) → the handlers
// of Routes serve → Close (hangs up every session).
type Server struct {
	Cameras Cameras
	ICE     ICE
	// Authorize, when not nil, checks a publisher to a camera without
	// credentials of its own (the gateway's tokens and signatures); a
	// camera with its own (`source: publisher` with a username) takes
	// them by HTTP Basic authentication instead, as RTSP does. It may
	// read the body (a signature covers it) if it puts it back.
	Authorize   func(http.ResponseWriter, *http.Request) error
	Logger      *slog.Logger
	MaxSessions int
	// KeyframeInterval is how old a WHIP publisher's last keyframe may
	// get before it is asked for one (DefaultKeyframeInterval): the
	// fragments of a camera that publishes over WebRTC last about this
	// long, or its own keyframe interval when shorter.
	KeyframeInterval time.Duration

	api  *webrtc.API
	mux  io.Closer
	addr net.Addr

	mu       sync.Mutex // guards the fields below
	sessions map[string]session
	closed   bool
}

// session is a WHIP or WHEP session, by its resource's id.
type session interface {
	camera() string
	publishing() bool // WHIP, not WHEP
	close(detail string)
}

// Route is one of the server's HTTP routes. Publish marks the routes of a
// publisher (WHIP), which the server authenticates itself (Authorize and
// the camera's credentials); the others read and are the listener's to
// guard.
type Route struct {
	Pattern string
	Publish bool
	Handler http.Handler
}

// Routes are the server's routes: WHIP at /video/{camera}/whip, WHEP at
// /video/{camera}/whep, and each session's resource below them, which
// DELETE ends (PATCH, trickle ICE, is not supported: the answer carries
// every candidate).
func (s *Server) Routes() []Route {
	return []Route{
		{"POST /video/{camera}/whip", true, s.publisherAuth(http.HandlerFunc(s.serveWHIP))},
		{"DELETE /video/{camera}/whip/{session}", true, s.publisherAuth(s.deleteHandler(true))},
		{"PATCH /video/{camera}/whip/{session}", true, s.publisherAuth(http.HandlerFunc(s.servePatch))},
		{"POST /video/{camera}/whep", false, http.HandlerFunc(s.serveWHEP)},
		{"DELETE /video/{camera}/whep/{session}", false, s.deleteHandler(false)},
		{"PATCH /video/{camera}/whep/{session}", false, http.HandlerFunc(s.servePatch)},
	}
}

// Initialize checks the fields and binds the UDP port.
func (s *Server) Initialize() error {
	if s.Cameras == nil {
		return errors.New("webrtc: server without cameras")
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.MaxSessions <= 0 {
		s.MaxSessions = DefaultMaxSessions
	}
	if err := s.ICE.Validate(); err != nil {
		return err
	}
	me, err := mediaEngine()
	if err != nil {
		return err
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(me, ir); err != nil {
		return fmt.Errorf("webrtc: %w", err)
	}
	se, mux, addr, err := s.ICE.settings()
	if err != nil {
		return err
	}
	s.mux, s.addr = mux, addr
	s.api = webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
	s.sessions = map[string]session{}
	return nil
}

// UDPAddr is the shared UDP port's address, nil with a port range.
func (s *Server) UDPAddr() net.Addr { return s.addr }

// h264Profiles are the H.264 profiles the gateway answers, as browsers
// offer them: a camera's stream is sent as it is, whatever its profile
// (a decoder takes the profile from the SPS).
var h264Profiles = []string{"42e01f", "42001f", "4d001f", "64001f"}

// audioFormats are the audio formats the gateway takes, by name.
var audioFormats = map[string]webrtc.RTPCodecParameters{
	audioOpus: {RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
		SDPFmtpLine: "minptime=10;useinbandfec=1"}, PayloadType: 111},
	audioPCMU: {RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, PayloadType: 0},
	audioPCMA: {RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000}, PayloadType: 8},
}

// mediaEngine offers H.264 (packetization mode 1), Opus and G.711 (PCMU,
// PCMA at 8 kHz) only: what the store records and browsers play.
func mediaEngine() (*webrtc.MediaEngine, error) {
	me := &webrtc.MediaEngine{}
	fb := []webrtc.RTCPFeedback{{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"}}
	for i, profile := range h264Profiles {
		err := me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264,
			ClockRate: 90000, SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=" + profile,
			RTCPFeedback: fb}, PayloadType: webrtc.PayloadType(102 + 2*i)}, webrtc.RTPCodecTypeVideo)
		if err != nil {
			return nil, fmt.Errorf("webrtc: %w", err)
		}
	}
	for _, c := range audioFormats {
		if err := me.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, fmt.Errorf("webrtc: %w", err)
		}
	}
	return me, nil
}

// Close hangs up every session and releases the UDP port.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	all := make([]session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		all = append(all, ss)
	}
	s.mu.Unlock()
	for _, ss := range all {
		ss.close("the gateway stopped")
	}
	if s.mux != nil {
		s.mux.Close()
	}
}

// add registers a session and returns its id.
func (s *Server) add(ss session) (string, error) {
	var b [16]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return "", ErrClosed
	case len(s.sessions) >= s.MaxSessions:
		return "", fmt.Errorf("%w (%d)", ErrBusy, s.MaxSessions)
	}
	s.sessions[id] = ss
	return id, nil
}

func (s *Server) remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, id)
}

// askKeyframe asks the WHIP publisher of a camera, if there is one, for
// a keyframe: a viewer joined, or lost one.
func (s *Server) askKeyframe(camera string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ss := range s.sessions {
		if p, ok := ss.(*publish); ok && p.name == camera {
			p.wantKey.Store(true)
		}
	}
}

// Sessions counts the sessions held.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// deleteHandler ends a session: the client hangs up.
func (s *Server) deleteHandler(publish bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		ss, ok := s.sessions[r.PathValue("session")]
		s.mu.Unlock()
		if !ok || ss.camera() != r.PathValue("camera") || ss.publishing() != publish {
			httpError(w, http.StatusNotFound, "no such session")
			return
		}
		ss.close("the client ended the session")
		w.WriteHeader(http.StatusOK)
	}
}

// servePatch: trickle ICE and ICE restarts are not supported (RFC 9725
// section 4.3.1: 405).
func (s *Server) servePatch(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", "DELETE")
	httpError(w, http.StatusMethodNotAllowed, "trickle ICE is not supported: the answer holds every candidate")
}

// publisherAuth puts a publisher's route behind authorized, before
// anything else is answered: a client that may not publish learns
// nothing of the cameras.
func (s *Server) publisherAuth(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pub, _ := s.Cameras.Publisher(r.PathValue("camera"))
		if !s.authorized(w, r, pub) {
			s.Logger.Warn("whip publisher refused", "path", r.PathValue("camera"), "remote", r.RemoteAddr, "reason", "not authenticated")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// authorized checks a publisher: the camera's own credentials by HTTP
// Basic authentication, else (and for no camera) Authorize. It answers
// 401 itself.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request, pub *cameras.Publication) bool {
	if pub != nil && len(pub.Credentials) > 0 {
		user, pass, ok := r.BasicAuth()
		for _, c := range pub.Credentials {
			if ok && subtle.ConstantTimeCompare([]byte(user), []byte(c.Username)) == 1 &&
				subtle.ConstantTimeCompare([]byte(pass), []byte(c.Password)) == 1 {
				return true
			}
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="tidegate"`)
		httpError(w, http.StatusUnauthorized, "this camera's publishers authenticate with its username and password (HTTP Basic)")
		return false
	}
	if s.Authorize == nil {
		return true
	}
	if err := s.Authorize(w, r); err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tidegate"`)
		httpError(w, http.StatusUnauthorized, err.Error())
		return false
	}
	return true
}

// publisherStatus maps a refused publisher to its HTTP status.
func publisherStatus(err error) int {
	switch {
	case errors.Is(err, cameras.ErrNotPublishable):
		return http.StatusForbidden
	case errors.Is(err, fragments.ErrClosed), errors.Is(err, cameras.ErrStopped), errors.Is(err, ErrClosed):
		return http.StatusServiceUnavailable
	case errors.Is(err, ErrBusy):
		return http.StatusServiceUnavailable
	case errors.Is(err, ErrBadOffer):
		return http.StatusBadRequest
	case errors.Is(err, ErrUnsupported):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, cameras.ErrNotFound):
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}

func httpError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, msg+"\n")
}

// answer writes a session's answer: 201 Created, the resource's Location.
func answer(w http.ResponseWriter, location, sdp string) {
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", location)
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, sdp)
}
