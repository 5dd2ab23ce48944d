package gateway

import (
	"fmt"
	"net"
	"path/filepath"
	"sync/atomic"

	"github.com/tidegate/tidegate/gateway/api/kvsapi"
	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/video/cameras"
	"github.com/tidegate/tidegate/video/events"
	"github.com/tidegate/tidegate/video/fragments"
	"github.com/tidegate/tidegate/video/frames"
	"github.com/tidegate/tidegate/video/rtsp"
)

// videoIngest is the camera half of the gateway: the fragment store under
// DATA_DIR/video, the cameras recording into it, a record per fragment
// into the events streams, and the RTSP listener publishers push to.
type videoIngest struct {
	store  *fragments.Store
	events *events.Writer
	cams   *cameras.Manager
	rtsp   *rtsp.Server
	creds  atomic.Pointer[[]cameras.Credential] // the RTSP listener's; a reload swaps them
	frames *frames.Extractor
	kvs    *kvsapi.API
}

// startVideo opens the fragment store and starts the configured cameras.
func (g *Gateway) startVideo(cfg *config.Config) error {
	v := &g.video
	dir := filepath.Join(cfg.DataDir, "video")
	st, err := fragments.Open(dir, fragments.Options{Logger: g.logger})
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	v.store = st
	v.frames = &frames.Extractor{Store: st, Logger: g.logger}
	v.kvs = &kvsapi.API{Store: st, Frames: v.frames, Region: cfg.Kinesis.Region, AccountID: cfg.Kinesis.AccountID,
		Auth: g.auth.verifyKinesisVideo, App: "tidegate " + g.version, Logger: g.logger, Metrics: g.reg.NewAPI("kinesisvideo")}
	v.events = &events.Writer{Streams: g.store, Video: st, Logger: g.logger, NewStream: config.DefaultStream().ShardsConfig()}
	if err := v.events.Initialize(); err != nil {
		return err
	}
	v.cams = &cameras.Manager{Store: st, Logger: g.logger, Events: v.events, DefaultEventsStream: events.DefaultStream}
	if err := v.cams.Initialize(); err != nil {
		return err
	}
	if err := g.reg.RegisterVideo(st, v.cams, v.events); err != nil {
		return err
	}
	creds := cfg.RTSP.Credentials()
	v.creds.Store(&creds)
	v.cams.SetPublishNew(cfg.RTSP.PublishNewPaths)
	return v.cams.Reconcile(cameraSpecs(cfg.Cameras))
}

func cameraSpecs(cs []config.CameraSpec) []cameras.Spec {
	out := make([]cameras.Spec, len(cs))
	for i, c := range cs {
		out[i] = c.Spec()
	}
	return out
}

// listenRTSP binds the RTSP listener, unless it is off ("-").
func (g *Gateway) listenRTSP(cfg *config.Config) error {
	if cfg.RTSP.Listen == "-" {
		return nil
	}
	v := &g.video
	s := &rtsp.Server{Address: cfg.RTSP.Listen, RTPAddress: cfg.RTSP.RTPAddress, Cameras: v.cams, Logger: g.logger,
		Credentials: func() []cameras.Credential { return *v.creds.Load() }}
	if err := s.Start(); err != nil {
		return err
	}
	v.rtsp = s
	return nil
}

// reconcileCameras applies a reload: the cameras of the file (an
// unchanged one keeps recording), the RTSP credentials and
// publish_new_paths.
func (g *Gateway) reconcileCameras(cfg *config.Config) error {
	v := &g.video
	creds := cfg.RTSP.Credentials()
	v.creds.Store(&creds)
	v.cams.SetPublishNew(cfg.RTSP.PublishNewPaths)
	return v.cams.Reconcile(cameraSpecs(cfg.Cameras))
}

// closeVideo ends every camera's session with a gap of reason restart,
// then stops the RTSP listener, writes the queued fragment events and
// closes the fragment store; the shards store must still be open.
func (g *Gateway) closeVideo() error {
	v := &g.video
	if v.cams != nil {
		v.cams.Close()
	}
	if v.rtsp != nil {
		v.rtsp.Close()
	}
	if v.events != nil {
		v.events.Close()
	}
	if v.store != nil {
		if err := v.store.Close(); err != nil {
			return fmt.Errorf("close video store: %w", err)
		}
	}
	return nil
}

// Cameras is the camera manager (nil before Start).
func (g *Gateway) Cameras() *cameras.Manager { return g.video.cams }

// VideoStore is the fragment store (nil before Start).
func (g *Gateway) VideoStore() *fragments.Store { return g.video.store }

// EventsStats are the fragment events writer's counters.
func (g *Gateway) EventsStats() events.Stats { return g.video.events.Stats() }

// RTSPAddr is where the RTSP listener is bound, nil when it is off.
func (g *Gateway) RTSPAddr() net.Addr {
	if g.video.rtsp == nil {
		return nil
	}
	return g.video.rtsp.Addr()
}
