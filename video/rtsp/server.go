package rtsp

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/liberrors"

	"github.com/tidegate/tidegate/video/cameras"
	"github.com/tidegate/tidegate/video/fragments"
)

// DefaultAddress is the RTSP listener's default address.
const DefaultAddress = "127.0.0.1:8554"

// Publishers is where the server finds the camera a publisher records
// into (a cameras.Manager).
type Publishers interface {
	Publisher(name string) (*cameras.Publication, error)
}

// Server is the gateway's RTSP server. A publisher (a camera that pushes,
// ffmpeg, OBS, GStreamer) sends ANNOUNCE and RECORD to
// rtsp://host:port/<camera>, over TCP, or UDP when RTPAddress is set.
// Reading live (DESCRIBE/PLAY) is not served yet.
//
// Life: set the fields → Start → … → Close.
type Server struct {
	// Address is the TCP listener's address (host:port).
	Address string
	// RTPAddress, when set, takes RTP over UDP on its port, which must be
	// even, and RTCP on the next one.
	RTPAddress string
	Cameras    Publishers
	// Credentials, when not nil, returns who may publish to a camera that
	// has no credentials of its own; none means anyone may (for a
	// loopback listener). Basic and digest authentication are accepted.
	Credentials func() []cameras.Credential
	Logger      *slog.Logger
	// Timeout bounds reads and writes (10 s).
	Timeout time.Duration

	srv  *gortsplib.Server
	mu   sync.Mutex
	addr net.Addr
}

// publishing is a publisher's session: the camera it was given at
// ANNOUNCE, the feed from RECORD on.
type publishing struct {
	name string
	pub  *cameras.Publication
	feed atomic.Pointer[feed] // set by RECORD; read by the library's callbacks
}

// Start binds the listeners and serves.
func (s *Server) Start() error {
	if s.Cameras == nil {
		return errors.New("rtsp: server without cameras")
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Timeout == 0 {
		s.Timeout = DefaultTimeout
	}
	s.srv = &gortsplib.Server{
		Handler:      s,
		RTSPAddress:  s.Address,
		ReadTimeout:  s.Timeout,
		WriteTimeout: s.Timeout,
		Listen: func(network, address string) (net.Listener, error) {
			ln, err := net.Listen(network, address)
			if err == nil {
				s.mu.Lock()
				s.addr = ln.Addr()
				s.mu.Unlock()
			}
			return ln, err
		},
	}
	if s.RTPAddress != "" {
		host, port, err := splitRTP(s.RTPAddress)
		if err != nil {
			return err
		}
		s.srv.UDPRTPAddress = net.JoinHostPort(host, fmt.Sprint(port))
		s.srv.UDPRTCPAddress = net.JoinHostPort(host, fmt.Sprint(port+1))
	}
	if err := s.srv.Start(); err != nil {
		return fmt.Errorf("rtsp: %w", err)
	}
	return nil
}

// splitRTP checks an RTP address: host:port with an even port below
// 65535, so that RTCP has the next.
func splitRTP(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	var port int
	if err == nil {
		_, err = fmt.Sscanf(p, "%d", &port)
	}
	if err != nil || port <= 0 || port >= 65535 || port%2 != 0 || fmt.Sprint(port) != p {
		return "", 0, fmt.Errorf("rtsp: rtp address %q is not host:port with an even port (RTCP takes the next)", addr)
	}
	return host, port, nil
}

// Addr is the TCP listener's address (useful with port 0).
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Close stops the server; the publishers' sessions end (their cameras'
// gaps say camera offline, unless the cameras were stopped first).
func (s *Server) Close() {
	if s.srv != nil {
		s.srv.Close()
	}
}

// OnAnnounce finds the camera and checks the publisher's credentials: the
// camera's own, else the server's.
func (s *Server) OnAnnounce(ctx *gortsplib.ServerHandlerOnAnnounceCtx) (*base.Response, error) {
	name := strings.Trim(ctx.Path, "/")
	remote := ctx.Conn.NetConn().RemoteAddr().String()
	pub, err := s.Cameras.Publisher(name)
	if err != nil {
		status := base.StatusNotFound
		switch {
		case errors.Is(err, cameras.ErrNotPublishable):
			status = base.StatusForbidden
		case errors.Is(err, fragments.ErrClosed):
			status = base.StatusServiceUnavailable
		}
		s.Logger.Warn("rtsp publisher refused", "path", name, "remote", remote, "reason", err)
		return &base.Response{StatusCode: status}, nil
	}
	creds := pub.Credentials
	if len(creds) == 0 && s.Credentials != nil {
		creds = s.Credentials()
	}
	if len(creds) > 0 && !verify(ctx.Conn, ctx.Request, creds) {
		if len(ctx.Request.Header["Authorization"]) > 0 {
			s.Logger.Warn("rtsp publisher refused", "path", name, "remote", remote, "reason", "wrong username or password")
		}
		return &base.Response{StatusCode: base.StatusUnauthorized}, liberrors.ErrServerAuth{}
	}
	if _, _, err := tracksOf(ctx.Description); err != nil {
		s.Logger.Warn("rtsp publisher refused", "path", name, "remote", remote, "reason", err)
		return &base.Response{StatusCode: base.StatusUnsupportedMediaType}, nil
	}
	ctx.Session.SetUserData(&publishing{name: name, pub: pub})
	return &base.Response{StatusCode: base.StatusOK}, nil
}

func verify(conn *gortsplib.ServerConn, req *base.Request, creds []cameras.Credential) bool {
	for _, c := range creds {
		if conn.VerifyCredentials(req, c.Username, c.Password) {
			return true
		}
	}
	return false
}

// OnSetup accepts a publisher's tracks; reading is not served yet.
func (s *Server) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	if ctx.Session.State() == gortsplib.ServerSessionStatePreRecord {
		return &base.Response{StatusCode: base.StatusOK}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
}

// OnDescribe: live reading over RTSP is not served yet.
func (s *Server) OnDescribe(*gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
}

// OnRecord begins the camera's session.
func (s *Server) OnRecord(ctx *gortsplib.ServerHandlerOnRecordCtx) (*base.Response, error) {
	p, ok := ctx.Session.UserData().(*publishing)
	if !ok {
		return &base.Response{StatusCode: base.StatusBadRequest}, nil
	}
	cam, err := p.pub.Claim()
	if err != nil {
		s.Logger.Warn("rtsp publisher refused", "path", p.name, "reason", err)
		return &base.Response{StatusCode: base.StatusServiceUnavailable}, nil
	}
	sess := ctx.Session
	f, err := newFeed(cam, sess.AnnouncedDescription(), sess, sess.Close)
	if err != nil {
		return &base.Response{StatusCode: base.StatusUnsupportedMediaType}, nil
	}
	sess.OnPacketRTPAny(f.packet)
	sess.OnPacketRTCPAny(f.rtcp)
	if err := f.begin(); err != nil {
		s.Logger.Error("rtsp publisher's recording not started", "camera", cam.Name(), "err", err)
		return &base.Response{StatusCode: base.StatusInternalServerError}, nil
	}
	p.feed.Store(f)
	s.Logger.Info("rtsp publisher recording", "camera", cam.Name(), "remote", ctx.Conn.NetConn().RemoteAddr().String(),
		"transport", transportOf(sess))
	return &base.Response{StatusCode: base.StatusOK}, nil
}

func transportOf(s *gortsplib.ServerSession) string {
	if t := s.SetuppedTransport(); t != nil {
		return t.String()
	}
	return ""
}

// OnSessionClose ends the camera's session: a gap of reason network when
// the publisher's media timed out, camera offline else.
func (s *Server) OnSessionClose(ctx *gortsplib.ServerHandlerOnSessionCloseCtx) {
	p, ok := ctx.Session.UserData().(*publishing)
	if !ok || p.feed.Load() == nil {
		return
	}
	reason := fragments.ReasonCameraOffline
	var timeout liberrors.ErrServerSessionTimedOut
	var ne net.Error
	if errors.As(ctx.Error, &timeout) || (errors.As(ctx.Error, &ne) && ne.Timeout()) {
		reason = fragments.ReasonNetwork
	}
	detail := "the publisher left"
	if ctx.Error != nil {
		detail = "the publisher's session ended: " + ctx.Error.Error()
	}
	p.feed.Load().end(reason, detail)
	s.Logger.Info("rtsp publisher left", "camera", p.name, "reason", detail)
}

// OnDecodeError counts a publisher's packet that could not be decoded.
func (s *Server) OnDecodeError(ctx *gortsplib.ServerHandlerOnDecodeErrorCtx) {
	if p, ok := ctx.Session.UserData().(*publishing); ok {
		if f := p.feed.Load(); f != nil {
			f.packetError(ctx.Error)
		}
	}
}

// OnPacketsLost: lost packets are frames the store never gets; the
// depacketizers resume at the next complete frame.
func (s *Server) OnPacketsLost(*gortsplib.ServerHandlerOnPacketsLostCtx) {}

// OnStreamWriteError concerns readers, which the server does not serve
// yet.
func (s *Server) OnStreamWriteError(ctx *gortsplib.ServerHandlerOnStreamWriteErrorCtx) {
	s.Logger.Debug("rtsp write error", "err", ctx.Error)
}

var (
	_ gortsplib.ServerHandlerOnAnnounce     = (*Server)(nil)
	_ gortsplib.ServerHandlerOnSetup        = (*Server)(nil)
	_ gortsplib.ServerHandlerOnDescribe     = (*Server)(nil)
	_ gortsplib.ServerHandlerOnRecord       = (*Server)(nil)
	_ gortsplib.ServerHandlerOnSessionClose = (*Server)(nil)
	_ gortsplib.ServerHandlerOnDecodeError  = (*Server)(nil)
	_ gortsplib.ServerHandlerOnPacketsLost  = (*Server)(nil)
)
