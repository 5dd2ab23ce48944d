package webrtc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/pion/ice/v4"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/video/cameras"
	"github.com/tidegate/tidegate/video/fragments"
)

// clip is the H.264 clip of the fragment store's testdata in access units:
// 50 frames at 25 fps, an IDR at 0 and 25, SPS and PPS before the first.
type clip struct {
	sps, pps []byte
	aus      [][][]byte
}

var loadClip = sync.OnceValues(func() (*clip, error) {
	raw, err := os.ReadFile(filepath.Join("..", "fragments", "testdata", "clip.h264"))
	if err != nil {
		return nil, err
	}
	var nalus h264.AnnexB
	if err := nalus.Unmarshal(raw); err != nil {
		return nil, err
	}
	c := &clip{}
	var au [][]byte
	for _, n := range nalus {
		switch h264.NALUType(n[0] & 0x1f) {
		case h264.NALUTypeSPS:
			c.sps = n
		case h264.NALUTypePPS:
			c.pps = n
		case h264.NALUTypeIDR, h264.NALUTypeNonIDR:
			c.aus = append(c.aus, append(au, n))
			au = nil
		default:
			au = append(au, n)
		}
	}
	return c, nil
})

func testClip(t testing.TB) *clip {
	t.Helper()
	c, err := loadClip()
	if err != nil || len(c.aus) != 50 {
		t.Fatalf("clip: %v", err)
	}
	return c
}

// annexB is frame i of the clip in a loop, each IDR with SPS and PPS in
// band, as a browser sends them.
func (c *clip) annexB(i int) []byte {
	au := c.aus[i%len(c.aus)]
	if h264.IsRandomAccess(au) {
		au = append([][]byte{c.sps, c.pps}, au...)
	}
	b, _ := h264.AnnexB(au).Marshal()
	return b
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(logWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type logWriter struct{ t testing.TB }

func (w logWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// rig is a fragment store, its cameras (new paths may be published) and a
// WebRTC server behind an HTTP test server.
type rig struct {
	store *fragments.Store
	cams  *cameras.Manager
	srv   *Server
	mux   *http.ServeMux
	http  *httptest.Server
}

func newRig(t testing.TB, specs ...cameras.Spec) *rig {
	t.Helper()
	return newRigLog(t, testLogger(t), specs...)
}

func newRigLog(t testing.TB, log *slog.Logger, specs ...cameras.Spec) *rig {
	t.Helper()
	st, err := fragments.Open(t.TempDir(), fragments.Options{Logger: log, Defaults: fragments.CameraConfig{FragmentTarget: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	m := &cameras.Manager{Store: st, Logger: log}
	if err := m.Initialize(); err != nil {
		t.Fatal(err)
	}
	m.SetPublishNew(true)
	if err := m.Reconcile(specs); err != nil {
		t.Fatal(err)
	}
	s := &Server{Cameras: m, ICE: ICE{UDP: "127.0.0.1:0"}, Logger: log, KeyframeInterval: time.Second}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, rt := range s.Routes() {
		mux.Handle(rt.Pattern, rt.Handler)
	}
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		hs.Close()
		s.Close()
		m.Close()
		st.Close()
	})
	return &rig{store: st, cams: m, srv: s, mux: mux, http: hs}
}

// clientAPI is a pion peer that stays on loopback, with pion's codecs.
func clientAPI(t testing.TB) *webrtc.API {
	t.Helper()
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	return clientAPIWith(t, me)
}

// clientAPIWith is a pion peer on loopback with the codecs of me.
func clientAPIWith(t testing.TB, me *webrtc.MediaEngine) *webrtc.API {
	t.Helper()
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se))
}

// signal sends pc's offer to url and sets the answer; it returns the
// session's Location.
func signal(t testing.TB, pc *webrtc.PeerConnection, url string, header http.Header) (string, error) {
	t.Helper()
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return "", err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		return "", err
	}
	<-gathered
	req, _ := http.NewRequest("POST", url, strings.NewReader(pc.LocalDescription().SDP))
	req.Header.Set("Content-Type", "application/sdp")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("%s: %s", resp.Status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/sdp" {
		return "", fmt.Errorf("answer of type %q", ct)
	}
	err = pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(body)})
	return resp.Header.Get("Location"), err
}

// publisher is a pion WHIP client sending the clip.
type publisher struct {
	pc       *webrtc.PeerConnection
	track    *webrtc.TrackLocalStaticSample
	location string
}

func publishTo(t testing.TB, url string, header http.Header) (*publisher, error) {
	t.Helper()
	pc, err := clientAPI(t).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
		SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}, "video", "pion")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	connected := make(chan struct{})
	var once sync.Once
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			once.Do(func() { close(connected) })
		}
	})
	loc, err := signal(t, pc, url, header)
	if err != nil {
		return nil, err
	}
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		t.Fatal("the publisher did not connect")
	}
	return &publisher{pc: pc, track: track, location: loc}, nil
}

// send writes frames [from, to) of the clip in real time.
func (p *publisher) send(t testing.TB, c *clip, from, to int) {
	t.Helper()
	tick := time.NewTicker(40 * time.Millisecond)
	defer tick.Stop()
	for i := from; i < to; i++ {
		if err := p.track.WriteSample(media.Sample{Data: c.annexB(i), Duration: 40 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		<-tick.C
	}
}

func deleteSession(t testing.TB, url string) int {
	t.Helper()
	req, _ := http.NewRequest("DELETE", url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func waitFor(t testing.TB, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// probe is what ffprobe says of a file's first video stream.
type probe struct {
	Codec  string `json:"codec_name"`
	Frames string `json:"nb_read_frames"`
	Width  int    `json:"width"`
}

func ffprobe(t testing.TB, data []byte) probe {
	t.Helper()
	bin := peer.FFprobe(t)
	path := filepath.Join(t.TempDir(), "probe.mp4")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=codec_name,nb_read_frames,width", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	var r struct{ Streams []probe }
	if err := json.Unmarshal(out, &r); err != nil || len(r.Streams) != 1 {
		t.Fatalf("ffprobe: %s: %v", out, err)
	}
	return r.Streams[0]
}

// fragmentsOf returns a camera's fragments and their media.
func (r *rig) media(t testing.TB, camera string) []*fragments.Media {
	t.Helper()
	frs, err := r.store.Fragments(camera, fragments.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var out []*fragments.Media
	for _, f := range frs {
		m, err := r.store.ReadFragment(camera, f.Number)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func itoa(n int) string { return fmt.Sprint(n) }

func readAll(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// hangUp ends every session the server holds.
func (r *rig) hangUp() {
	r.srv.mu.Lock()
	var all []session
	for _, s := range r.srv.sessions {
		all = append(all, s)
	}
	r.srv.mu.Unlock()
	for _, s := range all {
		s.close("hung up by the test")
	}
}

// countPLIs counts the keyframe requests the publisher gets.
func (p *publisher) countPLIs() *atomic.Int32 {
	var plis atomic.Int32
	sender := p.pc.GetSenders()[0]
	go func() {
		for {
			pkts, _, err := sender.ReadRTCP()
			if err != nil {
				return
			}
			for _, pkt := range pkts {
				if _, ok := pkt.(*rtcp.PictureLossIndication); ok {
					plis.Add(1)
				}
			}
		}
	}()
	return &plis
}

// sendOnRequest sends n frames in real time as a browser does: the IDR
// first, then P-frames 1-24 of the clip in a loop, and an IDR only when
// plis counts a new request.
func (p *publisher) sendOnRequest(t testing.TB, c *clip, n int, plis *atomic.Int32) {
	t.Helper()
	tick := time.NewTicker(40 * time.Millisecond)
	defer tick.Stop()
	asked := int32(0)
	for i, frame := 0, 0; i < n; i++ {
		if k := plis.Load(); k > asked {
			asked, frame = k, 0
		}
		if err := p.track.WriteSample(media.Sample{Data: c.annexB(frame), Duration: 40 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		frame = frame%24 + 1
		<-tick.C
	}
}
