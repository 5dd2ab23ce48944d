package rtsp

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/auth"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/liberrors"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/pion/rtp"

	"github.com/tidegate/tidegate/video/cameras"
	"github.com/tidegate/tidegate/video/fragments"
)

// The test media of the fragment store's testdata.
type clips struct {
	sps, pps []byte
	aus      [][][]byte // H.264: 50 frames at 25 fps, an IDR at 0 and 25
	jpegs    [][]byte   // two 160x120 JPEG pictures
}

var loadClips = sync.OnceValues(func() (*clips, error) {
	dir := filepath.Join("..", "fragments", "testdata")
	raw, err := os.ReadFile(filepath.Join(dir, "clip.h264"))
	if err != nil {
		return nil, err
	}
	var nalus h264.AnnexB
	if err := nalus.Unmarshal(raw); err != nil {
		return nil, err
	}
	c := &clips{}
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
	// Two pictures as Go's encoder makes them (4:2:0, the standard
	// Huffman tables), which RTP/JPEG (RFC 2435) carries.
	for i := range 2 {
		img := image.NewYCbCr(image.Rect(0, 0, 160, 120), image.YCbCrSubsampleRatio420)
		for j := range img.Y {
			img.Y[j] = uint8(j*(i+1)) | 1
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, nil); err != nil {
			return nil, err
		}
		c.jpegs = append(c.jpegs, b.Bytes())
	}
	return c, nil
})

func testClips(t testing.TB) *clips {
	t.Helper()
	c, err := loadClips()
	if err != nil || len(c.aus) != 50 || len(c.jpegs) != 2 {
		t.Fatalf("test media: %v", err)
	}
	return c
}

// stream is test media as RTP: a session description and, for frame i,
// its packets.
type stream struct {
	desc   *description.Session
	fps    int
	frame  func(i int) []mediaPacket
	jumpAt int           // from this frame on the RTP timestamps move by jumpBy
	jumpBy time.Duration // (a camera whose clock steps)
}

type mediaPacket struct {
	media *description.Media
	pkt   *rtp.Packet
	clock int
}

// h264Stream is the H.264 clip in a loop at 25 fps, its SPS and PPS in the
// session description when inSDP, else only in band before each IDR; with
// G.711 audio alongside when audio is set.
func h264Stream(t testing.TB, c *clips, inSDP, audio bool) *stream {
	t.Helper()
	f := &format.H264{PayloadTyp: 96, PacketizationMode: 1}
	if inSDP {
		f.SPS, f.PPS = c.sps, c.pps
	}
	video := &description.Media{Type: description.MediaTypeVideo, Formats: []format.Format{f}}
	s := &stream{desc: &description.Session{Medias: []*description.Media{video}}, fps: 25}
	enc, err := f.CreateEncoder()
	if err != nil {
		t.Fatal(err)
	}
	var g711 *description.Media
	var genc interface {
		Encode([]byte) ([]*rtp.Packet, error)
	}
	if audio {
		gf := &format.G711{PayloadTyp: 0, MULaw: true, SampleRate: 8000, ChannelCount: 1}
		g711 = &description.Media{Type: description.MediaTypeAudio, Formats: []format.Format{gf}}
		s.desc.Medias = append(s.desc.Medias, g711)
		e, err := gf.CreateEncoder()
		if err != nil {
			t.Fatal(err)
		}
		genc = e
	}
	s.frame = func(i int) []mediaPacket {
		au := c.aus[i%len(c.aus)]
		if !inSDP && i%25 == 0 {
			au = append([][]byte{c.sps, c.pps}, au...)
		}
		pkts, err := enc.Encode(au)
		if err != nil {
			panic(err)
		}
		var out []mediaPacket
		for _, p := range pkts {
			p.Timestamp = uint32(i * 3600)
			out = append(out, mediaPacket{video, p, 90000})
		}
		if genc != nil {
			pkts, err := genc.Encode(bytes.Repeat([]byte{0xff}, 320)) // 40 ms of silence
			if err != nil {
				panic(err)
			}
			for _, p := range pkts {
				p.Timestamp = uint32(i * 320)
				out = append(out, mediaPacket{g711, p, 8000})
			}
		}
		return out
	}
	return s
}

// mjpegStream alternates the two JPEG pictures at 25 fps.
func mjpegStream(t testing.TB, c *clips) *stream {
	t.Helper()
	f := &format.MJPEG{}
	video := &description.Media{Type: description.MediaTypeVideo, Formats: []format.Format{f}}
	enc, err := f.CreateEncoder()
	if err != nil {
		t.Fatal(err)
	}
	return &stream{desc: &description.Session{Medias: []*description.Media{video}}, fps: 25, frame: func(i int) []mediaPacket {
		pkts, err := enc.Encode(c.jpegs[i%2])
		if err != nil {
			panic(err)
		}
		out := make([]mediaPacket, len(pkts))
		for j, p := range pkts {
			p.Timestamp = uint32(i * 3600)
			out[j] = mediaPacket{video, p, 90000}
		}
		return out
	}}
}

// play writes frames from..to-1 of s in real time (from start), each
// packet with the camera's wall clock for its NTP time.
func (s *stream) play(ctx context.Context, from, to int, start time.Time, write func(*description.Media, *rtp.Packet, time.Time) error) error {
	for i := from; i < to; i++ {
		at := start.Add(time.Duration(i-from) * time.Second / time.Duration(s.fps))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Until(at)):
		}
		wall := start.Add(time.Duration(i) * time.Second / time.Duration(s.fps))
		for _, mp := range s.frame(i) {
			if s.jumpBy != 0 && i >= s.jumpAt {
				mp.pkt.Timestamp += uint32(int64(s.jumpBy) * int64(mp.clock) / int64(time.Second))
				wall = wall.Add(s.jumpBy)
			}
			if err := write(mp.media, mp.pkt, wall); err != nil {
				return err
			}
		}
	}
	return nil
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(logWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type logWriter struct{ t testing.TB }

func (w logWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func slogTo(w *recordingLog) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// recordingLog keeps every log line, to look for passwords.
type recordingLog struct {
	mu    sync.Mutex
	lines []string
}

func (r *recordingLog) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, string(b))
	return len(b), nil
}

func (r *recordingLog) text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines, "")
}

// rig is a fragment store and the cameras recording into it.
type rig struct {
	st  *fragments.Store
	cms *cameras.Manager
	log *slog.Logger
}

func newRig(t testing.TB, specs ...cameras.Spec) *rig {
	t.Helper()
	return newRigLog(t, testLogger(t), specs...)
}

func newRigLog(t testing.TB, log *slog.Logger, specs ...cameras.Spec) *rig {
	t.Helper()
	return newRigIn(t, t.TempDir(), log, specs...)
}

func newRigIn(t testing.TB, dir string, log *slog.Logger, specs ...cameras.Spec) *rig {
	t.Helper()
	st, err := fragments.Open(dir, fragments.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	m := &cameras.Manager{Store: st, Logger: log}
	if err := m.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		m.Close()
		st.Close()
	})
	if err := m.Reconcile(specs); err != nil {
		t.Fatal(err)
	}
	return &rig{st: st, cms: m, log: log}
}

func publisherSpec(name string, login cameras.Login) cameras.Spec {
	return cameras.Spec{Name: name, Source: cameras.PublisherSource, Config: &cameras.PublisherConfig{Login: login}}
}

// serve starts the gateway's RTSP server on a free port.
func (r *rig) serve(t testing.TB, creds []cameras.Credential, rtp string) *Server {
	t.Helper()
	s := &Server{Address: "127.0.0.1:0", RTPAddress: rtp, Cameras: r.cms, Logger: r.log,
		Credentials: func() []cameras.Credential { return creds }}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func (r *rig) fragments(t testing.TB, camera string) []fragments.Fragment {
	t.Helper()
	frs, err := r.st.Fragments(camera, fragments.Query{})
	if err != nil {
		t.Fatal(err)
	}
	return frs
}

func (r *rig) gaps(t testing.TB, camera string) []fragments.Gap {
	t.Helper()
	g, err := r.st.Gaps(camera, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func framesOf(frs []fragments.Fragment) int {
	n := 0
	for _, f := range frs {
		n += f.Frames
	}
	return n
}

// samples returns the decode times and sync flags of a track's stored
// samples, in order, read back from the fragments.
func (r *rig) samples(t testing.TB, camera string, trackID int) (dts []uint64, key []bool) {
	t.Helper()
	for _, fr := range r.fragments(t, camera) {
		m, err := r.st.ReadFragment(camera, fr.Number)
		if err != nil {
			t.Fatal(err)
		}
		var parts fmp4.Parts
		if err := parts.Unmarshal(m.Data); err != nil {
			t.Fatalf("fragment %d: %v", fr.Number, err)
		}
		for _, p := range parts {
			for _, pt := range p.Tracks {
				if pt.ID != trackID {
					continue
				}
				d := pt.BaseTime
				for _, s := range pt.Samples {
					dts, key = append(dts, d), append(key, !s.IsNonSyncSample)
					d += uint64(s.Duration)
				}
			}
		}
	}
	return dts, key
}

func waitFor(t testing.TB, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// publish pushes frames 0..n-1 of s to url with gortsplib as the
// publisher, over the transport, then hangs up.
func publish(t testing.TB, url string, s *stream, n int, transport gortsplib.Transport) error {
	t.Helper()
	u, err := base.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := &gortsplib.Client{Scheme: u.Scheme, Host: u.Host, Transport: &transport}
	if err := c.StartRecording(url, s.desc); err != nil {
		return err
	}
	defer c.Close()
	err = s.play(context.Background(), 0, n, time.Now(), c.WritePacketRTPWithNTP)
	// The client writes from a queue, which Close does not flush.
	time.Sleep(200 * time.Millisecond)
	return err
}

// freeRTPPort returns an even UDP port whose successor is free too.
func freeRTPPort(t testing.TB) int {
	t.Helper()
	for range 100 {
		a, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := a.LocalAddr().(*net.UDPAddr).Port
		a.Close()
		port &^= 1
		if port < 1024 {
			continue
		}
		a, err1 := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		b, err2 := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port+1))
		if a != nil {
			a.Close()
		}
		if b != nil {
			b.Close()
		}
		if err1 == nil && err2 == nil {
			return port
		}
	}
	t.Fatal("no free pair of UDP ports")
	return 0
}

// testCamera is an IP camera made with gortsplib's server: it serves a
// stream to whoever PLAYs rtsp://addr/stream, playing the media in real
// time until closed, with credentials when user is set.
type testCamera struct {
	t       testing.TB
	srv     *gortsplib.Server
	stream  *gortsplib.ServerStream
	media   *stream
	user    string
	pass    string
	addr    string
	cancel  context.CancelFunc
	done    chan struct{}
	refused chan struct{}
	closing sync.Once
}

type cameraOptions struct {
	addr    string // "" for a free port
	udp     bool
	user    string
	pass    string
	methods []auth.VerifyMethod
}

func startCamera(t testing.TB, media *stream, o cameraOptions) *testCamera {
	t.Helper()
	c := &testCamera{t: t, media: media, user: o.user, pass: o.pass, refused: make(chan struct{}, 16)}
	if o.addr == "" {
		o.addr = "127.0.0.1:0"
	}
	var addr net.Addr
	c.srv = &gortsplib.Server{Handler: c, RTSPAddress: o.addr, AuthMethods: o.methods,
		Listen: func(network, a string) (net.Listener, error) {
			ln, err := net.Listen(network, a)
			if err == nil {
				addr = ln.Addr()
			}
			return ln, err
		}}
	if o.udp {
		p := freeRTPPort(t)
		c.srv.UDPRTPAddress, c.srv.UDPRTCPAddress = fmt.Sprintf("127.0.0.1:%d", p), fmt.Sprintf("127.0.0.1:%d", p+1)
	}
	if err := c.srv.Start(); err != nil {
		t.Fatal(err)
	}
	c.addr = addr.String()
	c.stream = &gortsplib.ServerStream{Server: c.srv, Desc: media.desc}
	if err := c.stream.Initialize(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel, c.done = cancel, make(chan struct{})
	go func() {
		defer close(c.done)
		media.play(ctx, 0, 1<<30, time.Now(), c.stream.WritePacketRTPWithNTP)
	}()
	t.Cleanup(c.close)
	return c
}

func (c *testCamera) url() string { return "rtsp://" + c.addr + "/stream" }

// close kills the camera: its sessions end as if it lost power.
func (c *testCamera) close() {
	c.closing.Do(func() {
		c.cancel()
		<-c.done
		c.stream.Close()
		c.srv.Close()
	})
}

func (c *testCamera) authorized(conn *gortsplib.ServerConn, req *base.Request) bool {
	if c.user == "" || conn.VerifyCredentials(req, c.user, c.pass) {
		return true
	}
	if len(req.Header["Authorization"]) > 0 {
		select {
		case c.refused <- struct{}{}:
		default:
		}
	}
	return false
}

func (c *testCamera) OnDescribe(ctx *gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	if !c.authorized(ctx.Conn, ctx.Request) {
		return &base.Response{StatusCode: base.StatusUnauthorized}, nil, liberrors.ErrServerAuth{}
	}
	return &base.Response{StatusCode: base.StatusOK}, c.stream, nil
}

func (c *testCamera) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	if !c.authorized(ctx.Conn, ctx.Request) {
		return &base.Response{StatusCode: base.StatusUnauthorized}, nil, liberrors.ErrServerAuth{}
	}
	return &base.Response{StatusCode: base.StatusOK}, c.stream, nil
}

func (c *testCamera) OnPlay(*gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	return &base.Response{StatusCode: base.StatusOK}, nil
}
