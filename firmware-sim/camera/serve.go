package camera

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/auth"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/liberrors"
)

// server answers DESCRIBE, SETUP and PLAY of any path with the camera's
// stream, checking the credentials when the camera has some.
type server struct {
	o      Options
	stream *gortsplib.ServerStream
}

func (s *server) authorized(conn *gortsplib.ServerConn, req *base.Request) bool {
	return s.o.Username == "" || conn.VerifyCredentials(req, s.o.Username, s.o.Password)
}

func (s *server) OnDescribe(ctx *gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	if !s.authorized(ctx.Conn, ctx.Request) {
		return &base.Response{StatusCode: base.StatusUnauthorized}, nil, liberrors.ErrServerAuth{}
	}
	return &base.Response{StatusCode: base.StatusOK}, s.stream, nil
}

func (s *server) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	if !s.authorized(ctx.Conn, ctx.Request) {
		return &base.Response{StatusCode: base.StatusUnauthorized}, nil, liberrors.ErrServerAuth{}
	}
	return &base.Response{StatusCode: base.StatusOK}, s.stream, nil
}

func (s *server) OnPlay(ctx *gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	s.o.Logger.Info("camera playing", "remote", ctx.Conn.NetConn().RemoteAddr().String())
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// The library logs with the standard logger unless told otherwise.
func (s *server) OnPacketsLost(*gortsplib.ServerHandlerOnPacketsLostCtx) {}
func (s *server) OnDecodeError(*gortsplib.ServerHandlerOnDecodeErrorCtx) {}
func (s *server) OnStreamWriteError(ctx *gortsplib.ServerHandlerOnStreamWriteErrorCtx) {
	s.o.Logger.Debug("camera write error", "err", ctx.Error)
}

func authMethods(a string) []auth.VerifyMethod {
	switch a {
	case "basic":
		return []auth.VerifyMethod{auth.VerifyMethodBasic}
	case "digest":
		return []auth.VerifyMethod{auth.VerifyMethodDigestMD5}
	}
	return nil // the library's default: basic and digest
}

// serve runs an RTSP server that plays the camera until ctx ends.
func serve(ctx context.Context, o Options, src *source) error {
	h := &server{o: o}
	var addr net.Addr
	srv := &gortsplib.Server{
		Handler: h, RTSPAddress: o.Listen, AuthMethods: authMethods(o.Auth),
		// Its own reports read the NTP fraction as nanoseconds (gortsplib
		// v4.16.2); the camera sends RFC 3550 ones itself.
		DisableRTCPSenderReports: true,
		Listen: func(network, address string) (net.Listener, error) {
			ln, err := net.Listen(network, address)
			if err == nil {
				addr = ln.Addr()
			}
			return ln, err
		},
	}
	if o.RTPAddress != "" {
		host, port, err := net.SplitHostPort(o.RTPAddress)
		if err != nil {
			return fmt.Errorf("camera: rtp address: %w", err)
		}
		var p int
		fmt.Sscan(port, &p)
		srv.UDPRTPAddress = net.JoinHostPort(host, fmt.Sprint(p))
		srv.UDPRTCPAddress = net.JoinHostPort(host, fmt.Sprint(p+1))
	}
	if err := srv.Start(); err != nil {
		return fmt.Errorf("camera: %w", err)
	}
	defer srv.Close()
	h.stream = &gortsplib.ServerStream{Server: srv, Desc: src.desc}
	if err := h.stream.Initialize(); err != nil {
		return err
	}
	defer h.stream.Close()
	url := "rtsp://" + addr.String() + "/stream"
	o.Logger.Info("camera serving", "url", url, "codec", o.Codec, "size", fmt.Sprintf("%dx%d", o.Width, o.Height), "fps", o.FPS)
	if o.Ready != nil {
		o.Ready(url)
	}
	var lastReport time.Time
	for {
		pkts, at, err := src.next(ctx)
		if err != nil {
			return err
		}
		for _, p := range pkts {
			if err := h.stream.WritePacketRTPWithNTP(src.media, p, at); err != nil {
				return err
			}
		}
		// The library gave the packets its SSRC, which the report names.
		src.ssrc = pkts[len(pkts)-1].SSRC
		// A sender report every second, so that a reader learns the
		// camera's clock soon after it starts playing.
		if at.Sub(lastReport) >= time.Second {
			lastReport = at
			if err := h.stream.WritePacketRTCP(src.media, src.senderReport()); err != nil {
				return err
			}
		}
	}
}
