package gateway

import (
	"net"
	"net/http"

	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/video/hls"
	"github.com/tidegate/tidegate/video/webrtc"
)

// videoWeb is the camera half's HTTP side, on the HTTP listener: WHIP
// ingest and WHEP playback (video/webrtc, off with webrtc.udp "-") and
// HLS (video/hls).
type videoWeb struct {
	webrtc *webrtc.Server
	// webrtcErr is why WebRTC could not start (its UDP port taken): the
	// gateway runs without it, and WHIP and WHEP answer 503 saying so.
	webrtcErr error
	hls       *hls.Server
}

// startVideoWeb builds the WebRTC and HLS servers on the video store and
// the cameras. A UDP port that cannot be bound is logged and leaves WHIP
// and WHEP answering 503, rather than stopping the gateway (MediaMTX
// takes the same port by default).
func (g *Gateway) startVideoWeb(cfg *config.Config) error {
	w := &g.web
	w.hls = &hls.Server{Store: g.video.store, Logger: g.logger}
	if !cfg.WebRTC.Enabled() {
		return nil
	}
	s := &webrtc.Server{Cameras: g.video.cams, ICE: cfg.WebRTC.ICE(), Logger: g.logger, Authorize: g.auth.authorize}
	if err := s.Initialize(); err != nil {
		g.logger.Error("webrtc: WHIP and WHEP are off", "udp", cfg.WebRTC.UDP, "err", err)
		w.webrtcErr = err
		return nil
	}
	w.webrtc = s
	return nil
}

// videoWebRoutes are WHIP (its own check: the camera's credentials, else
// the gateway's), WHEP and HLS (the gateway's).
func (g *Gateway) videoWebRoutes() []route {
	var out []route
	switch {
	case g.web.webrtc != nil:
		for _, rt := range g.web.webrtc.Routes() {
			access := accessGateway
			if rt.Publish {
				access = accessPublisher
			}
			out = append(out, route{rt.Pattern, access, rt.Handler})
		}
	case g.web.webrtcErr != nil:
		off := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "webrtc is off: " + g.web.webrtcErr.Error()})
		})
		for _, p := range []string{"POST /video/{camera}/whip", "POST /video/{camera}/whep"} {
			out = append(out, route{p, accessGateway, off})
		}
	}
	if g.web.hls != nil {
		for _, rt := range g.web.hls.Routes() {
			out = append(out, route{rt.Pattern, accessGateway, rt.Handler})
		}
	}
	return out
}

// closeVideoWeb hangs up the WebRTC sessions that the cameras' stop left
// (viewers), and releases the UDP port.
func (g *Gateway) closeVideoWeb() {
	if g.web.webrtc != nil {
		g.web.webrtc.Close()
	}
}

// WebRTCAddr is the WebRTC UDP port's address, nil when WebRTC is off or
// takes a port range.
func (g *Gateway) WebRTCAddr() net.Addr {
	if g.web.webrtc == nil {
		return nil
	}
	return g.web.webrtc.UDPAddr()
}

// authorize is the gateway's check for a handler that checks its own
// requests (accessPublisher): nil without credentials configured, else
// the error requireAuth would refuse with.
func (a *authenticator) authorize(w http.ResponseWriter, r *http.Request) error {
	s := a.s.Load()
	if s.open {
		return nil
	}
	return s.check(w, r)
}
