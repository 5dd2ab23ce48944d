package webrtc

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/pion/webrtc/v4"

	"github.com/tidegate/tidegate/video/cameras"
	"github.com/tidegate/tidegate/video/fragments"
)

// viewer is a pion WHEP client that depacketizes what it receives.
type viewer struct {
	pc       *webrtc.PeerConnection
	location string
	frames   atomic.Int64
	firstKey atomic.Int32 // 1: the first frame was a keyframe, 2: it was not
}

func watch(t testing.TB, url string) (*viewer, error) {
	t.Helper()
	pc, err := clientAPI(t).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		t.Fatal(err)
	}
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		t.Fatal(err)
	}
	v := &viewer{pc: pc}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if tr.Kind() != webrtc.RTPCodecTypeVideo {
			return
		}
		d, _ := newDepacketizer(1, fragments.H264{})
		start := time.Now()
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			frames, _ := d.packet(pkt, time.Since(start))
			for _, f := range frames {
				if v.frames.Add(1) == 1 {
					if h264.IsRandomAccess(f.NALUs) {
						v.firstKey.Store(1)
					} else {
						v.firstKey.Store(2)
					}
				}
			}
		}
	})
	loc, err := signal(t, pc, url, nil)
	if err != nil {
		return nil, err
	}
	v.location = loc
	return v, nil
}

// A pion viewer plays a camera that a pion publisher sends over WHIP:
// the frames arrive, from a keyframe, and go on through the publisher's
// reconnect.
func TestWHEPPlays(t *testing.T) {
	c := testClip(t)
	r := newRig(t)
	p, err := publishTo(t, r.http.URL+"/video/hall/whip", nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { p.send(t, c, 0, 60) })
	time.Sleep(200 * time.Millisecond) // the camera's session begins
	v, err := watch(t, r.http.URL+"/video/hall/whep")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(v.location, "/video/hall/whep/") {
		t.Errorf("Location %q", v.location)
	}
	wg.Wait()
	// Frames 25-59 follow the keyframe at 25 (the viewer joined at ~5).
	waitFor(t, "the viewer's frames", 5*time.Second, func() bool { return v.frames.Load() >= 30 })
	if v.firstKey.Load() != 1 {
		t.Error("the viewer's first frame was not a keyframe")
	}
	// The publisher leaves and comes back: the viewer stays.
	deleteSession(t, r.http.URL+p.location)
	p2, err := publishTo(t, r.http.URL+"/video/hall/whip", nil)
	if err != nil {
		t.Fatal(err)
	}
	before := v.frames.Load()
	p2.send(t, c, 0, 50)
	waitFor(t, "frames of the second session", 5*time.Second, func() bool { return v.frames.Load() >= before+40 })
	if code := deleteSession(t, r.http.URL+v.location); code != http.StatusOK {
		t.Errorf("DELETE: %d", code)
	}
	waitFor(t, "the viewer's session to end", 5*time.Second, func() bool { return r.srv.Sessions() == 1 })
}

// WHEP of a camera that is not running is 404; of one whose video is
// not H.264, 415.
func TestWHEPRefusals(t *testing.T) {
	r := newRig(t, cameras.Spec{Name: "mjpeg", Source: cameras.PublisherSource, Config: &cameras.PublisherConfig{}})
	cam, _ := r.cams.Camera("mjpeg")
	s, err := cam.Begin([]fragments.Track{{ID: 1, Codec: fragments.MJPEG{Width: 160, Height: 120}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.End(fragments.ReasonCameraOffline, "")
	for path, want := range map[string]int{"none": 404, "mjpeg": 415} {
		_, err := watch(t, r.http.URL+"/video/"+path+"/whep")
		if err == nil || !strings.Contains(err.Error(), itoa(want)) {
			t.Errorf("%s: %v, want %d", path, err, want)
		}
	}
	if n := r.srv.Sessions(); n != 0 {
		t.Errorf("%d sessions held", n)
	}
}

// The ICE settings: additional hosts are announced beside the gathered
// address, with the shared port; a range gives each session a port of
// its own.
func TestICE(t *testing.T) {
	for _, tc := range []struct {
		ice  ICE
		want []string
	}{
		{ICE{UDP: "127.0.0.1:0", AdditionalHosts: []string{"203.0.113.7"}}, []string{"127.0.0.1 ", "203.0.113.7 "}},
		{ICE{UDP: "127.0.0.1:41000-41099"}, []string{"127.0.0.1 410"}},
	} {
		t.Run(tc.ice.UDP, func(t *testing.T) {
			r := newRig(t)
			r.srv.Close()
			r.srv = &Server{Cameras: r.cams, ICE: tc.ice, Logger: testLogger(t)}
			if err := r.srv.Initialize(); err != nil {
				t.Fatal(err)
			}
			mux := http.NewServeMux()
			for _, rt := range r.srv.Routes() {
				mux.Handle(rt.Pattern, rt.Handler)
			}
			r.http.Config.Handler = mux
			pc, err := clientAPI(t).NewPeerConnection(webrtc.Configuration{})
			if err != nil {
				t.Fatal(err)
			}
			defer pc.Close()
			track, _ := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000}, "v", "p")
			pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
			if _, err := signal(t, pc, r.http.URL+"/video/ice/whip", nil); err != nil {
				t.Fatal(err)
			}
			answer := pc.RemoteDescription().SDP
			port := ""
			if a := r.srv.UDPAddr(); a != nil {
				port = strings.TrimPrefix(a.String(), "127.0.0.1:")
			}
			for _, w := range tc.want {
				if !strings.Contains(answer, w+port) {
					t.Errorf("the answer has no candidate %q:\n%s", w+port, answer)
				}
			}
			r.srv.Close()
		})
	}
	for _, bad := range []ICE{{UDP: "localhost:8189"}, {UDP: "127.0.0.1:9-8"}, {UDP: "127.0.0.1"}, {AdditionalHosts: []string{"gw.example"}}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v: valid", bad)
		}
	}
}

// A viewer that joins a WHIP camera gets a keyframe at once: the
// publisher is asked for one rather than the viewer waiting for the next.
func TestWHEPAsksThePublisher(t *testing.T) {
	c := testClip(t)
	r := newRig(t)
	r.srv.KeyframeInterval = time.Hour // only viewers ask
	p, err := publishTo(t, r.http.URL+"/video/stage/whip", nil)
	if err != nil {
		t.Fatal(err)
	}
	plis := p.countPLIs()
	var wg sync.WaitGroup
	wg.Go(func() { p.sendOnRequest(t, c, 100, plis) })
	time.Sleep(500 * time.Millisecond)
	before := plis.Load()
	v, err := watch(t, r.http.URL+"/video/stage/whep")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the viewer's frames", 2*time.Second, func() bool { return v.frames.Load() > 0 })
	if v.firstKey.Load() != 1 || plis.Load() <= before {
		t.Errorf("first frame a keyframe: %v; keyframe requests %d, before the viewer %d", v.firstKey.Load() == 1, plis.Load(), before)
	}
	wg.Wait()
}
