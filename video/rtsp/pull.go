package rtsp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/liberrors"

	"github.com/tidegate/tidegate/video/cameras"
	"github.com/tidegate/tidegate/video/fragments"
)

// Transports of PullConfig.
const (
	TransportAuto = "auto"
	TransportTCP  = "tcp"
	TransportUDP  = "udp"
)

// DefaultTimeout bounds each RTSP request, and how long a camera's media
// may stop before the session counts as lost.
const DefaultTimeout = 10 * time.Second

// PullConfig is the configuration of a camera the gateway pulls from, a
// camera entry whose source is an rtsp:// or rtsps:// URL:
//
//	cameras:
//	  - {name: door, source: rtsp://192.168.1.20:554/stream1, transport: tcp,
//	     username: admin, password_env: DOOR_PASSWORD}
//
// Credentials may also be in the URL (rtsp://user:password@host/path); the
// keys win. Basic and digest authentication are both answered.
type PullConfig struct {
	// Transport is tcp, udp or auto (the default): UDP first, then TCP
	// when no packet arrives by UDP (cameras behind NAT, firewalls).
	Transport     string `yaml:"transport"`
	cameras.Login `yaml:",inline"`
	// Timeout bounds each request and the silence of the media (10 s).
	Timeout time.Duration `yaml:"timeout"`
}

// Validate checks the keys.
func (c *PullConfig) Validate() error {
	switch c.Transport {
	case "", TransportAuto, TransportTCP, TransportUDP:
	default:
		return fmt.Errorf("%w: transport: %q is not one of tcp, udp, auto", cameras.ErrConfig, c.Transport)
	}
	if c.Timeout != 0 && (c.Timeout < 100*time.Millisecond || c.Timeout > 5*time.Minute) {
		return fmt.Errorf("%w: timeout: %s is outside 100ms to 5m", cameras.ErrConfig, c.Timeout)
	}
	return c.Login.Validate()
}

// checkSource checks a camera URL.
func checkSource(source string) error {
	u, err := base.ParseURL(source)
	if err != nil {
		return fmt.Errorf("%w: source: %s is not an RTSP URL: %v", cameras.ErrConfig, cameras.MaskSource(source), cameras.ScrubSource(err.Error(), source))
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%w: source: %s has no host", cameras.ErrConfig, cameras.MaskSource(source))
	}
	return nil
}

func init() {
	cameras.RegisterSource(cameras.SourceType{
		Name:  "rtsp",
		Forms: []string{"rtsp://…", "rtsps://…"},
		Accepts: func(s string) bool {
			return strings.HasPrefix(s, "rtsp://") || strings.HasPrefix(s, "rtsps://")
		},
		Check:     checkSource,
		NewConfig: func() cameras.SourceConfig { return new(PullConfig) },
		New: func(source string, cfg cameras.SourceConfig, _ cameras.Env) (cameras.Source, error) {
			return NewPuller(source, *cfg.(*PullConfig))
		},
	})
}

// Puller records a camera from its RTSP URL: DESCRIBE, SETUP, PLAY, and
// again after each loss of the session, with back-off.
type Puller struct {
	url       *base.URL // with the credentials
	masked    string
	password  string // kept out of logs
	transport *gortsplib.Transport
	timeout   time.Duration
}

// NewPuller builds the source of a camera at source, an rtsp:// or
// rtsps:// URL, resolving the password's file or variable now.
func NewPuller(source string, cfg PullConfig) (*Puller, error) {
	if err := checkSource(source); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	u, _ := base.ParseURL(source)
	if cfg.IsSet() {
		cred, err := cfg.Resolve()
		if err != nil {
			return nil, err
		}
		u.User = url.UserPassword(cred.Username, cred.Password)
	}
	p := &Puller{url: u, masked: (*url.URL)(u).Redacted(), timeout: cfg.Timeout}
	if u.User != nil {
		p.password, _ = u.User.Password()
	}
	if p.timeout == 0 {
		p.timeout = DefaultTimeout
	}
	switch cfg.Transport {
	case TransportTCP:
		t := gortsplib.TransportTCP
		p.transport = &t
	case TransportUDP:
		t := gortsplib.TransportUDP
		p.transport = &t
	}
	return p, nil
}

// Run records until ctx ends. Each lost session leaves a gap in the
// recording (camera offline, or network when the media timed out), and
// each failed or lost session is logged with its reason and the delay
// before the next attempt.
func (p *Puller) Run(ctx context.Context, cam *cameras.Camera) {
	log := cam.Logger()
	var b backoff
	for {
		start := time.Now()
		recorded, err := p.session(ctx, cam)
		if ctx.Err() != nil {
			return
		}
		if recorded && time.Since(start) >= resetAfter {
			b.reset()
		}
		d := b.next()
		msg := "camera unreachable"
		if recorded {
			msg = "camera session lost"
		}
		log.Warn(msg, "camera", cam.Name(), "url", p.masked, "reason", p.scrub(err), "retry_in", d.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
	}
}

// session runs one RTSP session; recorded says whether it began a
// recording.
func (p *Puller) session(ctx context.Context, cam *cameras.Camera) (recorded bool, err error) {
	ctx, hang := context.WithCancel(ctx)
	defer hang()
	log := cam.Logger()
	var fp atomic.Pointer[feed] // for the library's callbacks, on its goroutines
	c := &gortsplib.Client{
		Scheme: p.url.Scheme, Host: p.url.Host,
		ReadTimeout: p.timeout, WriteTimeout: p.timeout, Transport: p.transport,
		DialContext: (&net.Dialer{Timeout: p.timeout}).DialContext,
		UserAgent:   "tidegate",
		OnTransportSwitch: func(err error) {
			log.Info("camera transport switched", "camera", cam.Name(), "reason", err)
		},
		// Counted by the store as frames that never came.
		OnPacketsLost: func(uint64) {},
		OnDecodeError: func(err error) {
			if f := fp.Load(); f != nil {
				f.packetError(err)
			}
		},
	}
	if p.url.Scheme == "rtsps" {
		c.TLSConfig = &tls.Config{ServerName: p.url.Hostname()}
	}
	if err := c.Start2(); err != nil {
		return false, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, c.Close)
	defer stop()
	desc, _, err := c.Describe(p.url)
	if err != nil {
		return false, fmt.Errorf("describe: %w", err)
	}
	f, err := newFeed(cam, desc, c, hang)
	if err != nil {
		return false, err
	}
	fp.Store(f)
	for _, m := range f.medias() {
		if _, err := c.Setup(desc.BaseURL, m, 0, 0); err != nil {
			return false, fmt.Errorf("setup: %w", err)
		}
	}
	c.OnPacketRTPAny(f.packet)
	c.OnPacketRTCPAny(f.rtcp)
	if err := f.begin(); err != nil {
		return false, err
	}
	if _, err := c.Play(nil); err != nil {
		err = fmt.Errorf("play: %w", err)
		f.end(reasonOf(err), p.scrub(err))
		return true, err
	}
	err = c.Wait()
	if ctx.Err() != nil {
		err = context.Cause(ctx)
	}
	f.end(reasonOf(err), p.scrub(err))
	return true, err
}

// reasonOf is the gap reason of a lost session: network when the media
// stopped coming while the connection stayed up, camera offline else.
func reasonOf(err error) fragments.Reason {
	var tcp liberrors.ErrClientTCPTimeout
	var udp liberrors.ErrClientUDPTimeout
	var ne net.Error
	if errors.As(err, &tcp) || errors.As(err, &udp) || (errors.As(err, &ne) && ne.Timeout()) {
		return fragments.ReasonNetwork
	}
	return fragments.ReasonCameraOffline
}

// scrub returns an error's text without the camera's password.
func (p *Puller) scrub(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	if p.password != "" {
		msg = strings.ReplaceAll(msg, p.password, "xxxxx")
	}
	return msg
}

var _ cameras.Source = (*Puller)(nil)
