package rtsp

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/liberrors"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"github.com/tidegate/tidegate/video/cameras"
	"github.com/tidegate/tidegate/video/fragments"
)

// A publisher pushes H.264 with G.711 audio over TCP and over UDP: the
// camera's fragments hold every frame, and its hanging up is a gap.
func TestPublish(t *testing.T) {
	for _, tc := range []struct {
		name      string
		transport gortsplib.Transport
		inSDP     bool
	}{
		{"tcp", gortsplib.TransportTCP, true},
		{"udp", gortsplib.TransportUDP, true},
		{"tcp parameters in band", gortsplib.TransportTCP, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testClips(t)
			r := newRig(t, publisherSpec("door", cameras.Login{}))
			rtpAddr := ""
			if tc.transport == gortsplib.TransportUDP {
				rtpAddr = fmt.Sprintf("127.0.0.1:%d", freeRTPPort(t))
			}
			srv := r.serve(t, nil, rtpAddr)
			s := h264Stream(t, c, tc.inSDP, true)
			if err := publish(t, "rtsp://"+srv.Addr().String()+"/door", s, 75, tc.transport); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the recording to close", 5*time.Second, func() bool {
				g := r.gaps(t, "door")
				return len(g) == 1 && g[0].Reason == fragments.ReasonCameraOffline
			})
			frs := r.fragments(t, "door")
			// 75 video frames (the last held for its duration), 75 audio.
			if len(frs) != 2 || framesOf(frs) != 150 {
				t.Errorf("%d fragments of %d frames, want 2 of 150", len(frs), framesOf(frs))
			}
			info, _ := r.st.Camera("door")
			if info.Codecs != "h264,pcm_s16be" {
				t.Errorf("codecs %q", info.Codecs)
			}
			if frs[0].Producer.IsZero() {
				t.Log("no producer time: no RTCP sender report arrived in the first fragment")
			}
		})
	}
}

// The camera's wall clock (RTCP sender reports) becomes the fragments'
// producer time when the publisher sends reports.
func TestPublishProducerTime(t *testing.T) {
	c := testClips(t)
	r := newRig(t, publisherSpec("door", cameras.Login{}))
	srv := r.serve(t, nil, "")
	s := h264Stream(t, c, true, false)
	u, _ := base.ParseURL("rtsp://" + srv.Addr().String() + "/door")
	tcp := gortsplib.TransportTCP
	cl := &gortsplib.Client{Scheme: u.Scheme, Host: u.Host, Transport: &tcp}
	if err := cl.StartRecording(u.String(), s.desc); err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	// A camera whose clock is a day behind, which sends a sender report
	// with its first packet (as ffmpeg does): the producer times say so.
	sent := false
	if err := s.play(t.Context(), 0, 75, time.Now(), func(m *description.Media, p *rtp.Packet, ntp time.Time) error {
		ntp = ntp.Add(-24 * time.Hour)
		if err := cl.WritePacketRTPWithNTP(m, p, ntp); err != nil || sent {
			return err
		}
		sent = true
		return cl.WritePacketRTCP(m, &rtcp.SenderReport{SSRC: p.SSRC, NTPTime: ntpOf(ntp), RTPTime: p.Timestamp})
	}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	cl.Close()
	waitFor(t, "the recording to close", 5*time.Second, func() bool { return len(r.gaps(t, "door")) == 1 })
	var with int
	for _, f := range r.fragments(t, "door") {
		if f.Producer.IsZero() {
			continue
		}
		with++
		if d := f.Server.Sub(f.Producer); d < 23*time.Hour || d > 25*time.Hour {
			t.Errorf("fragment %d: producer %v, server %v", f.Number, f.Producer, f.Server)
		}
	}
	if with == 0 {
		t.Error("no fragment has a producer time")
	}
}

// A publisher whose timestamps step back mid-stream (a camera whose clock
// was reset) does not reorder or corrupt the store: the stored timeline
// only goes forward, the step is in the gap ledger, and every fragment
// reads back.
func TestPublishClockJump(t *testing.T) {
	c := testClips(t)
	r := newRig(t, publisherSpec("door", cameras.Login{}))
	srv := r.serve(t, nil, "")
	s := h264Stream(t, c, true, false)
	s.jumpAt, s.jumpBy = 60, -time.Hour
	if err := publish(t, "rtsp://"+srv.Addr().String()+"/door", s, 150, gortsplib.TransportTCP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the recording to close", 5*time.Second, func() bool {
		for _, g := range r.gaps(t, "door") {
			if g.Reason == fragments.ReasonCameraOffline {
				return true
			}
		}
		return false
	})
	dts, key := r.samples(t, "door", 1)
	for i := 1; i < len(dts); i++ {
		if dts[i] <= dts[i-1] {
			t.Fatalf("sample %d decodes at %d, after %d", i, dts[i], dts[i-1])
		}
	}
	if len(dts) < 100 || !key[0] {
		t.Errorf("%d samples stored", len(dts))
	}
	var jumps int
	for _, g := range r.gaps(t, "door") {
		if g.Reason == fragments.ReasonClockJump {
			jumps++
		}
	}
	if jumps == 0 {
		t.Errorf("no clock jump in the gap ledger: %v", r.gaps(t, "door"))
	}
	var prev fragments.Fragment
	for _, f := range r.fragments(t, "door") {
		if _, err := r.st.ReadFragment("door", f.Number); err != nil {
			t.Error(err)
		}
		if f.Server.Before(prev.Server) {
			t.Errorf("fragment %d starts before fragment %d", f.Number, prev.Number)
		}
		prev = f
	}
}

// MJPEG's picture size is in its frames, not in the session description:
// the recording begins with the first frame.
func TestPublishMJPEG(t *testing.T) {
	c := testClips(t)
	r := newRig(t, publisherSpec("door", cameras.Login{}))
	srv := r.serve(t, nil, "")
	if err := publish(t, "rtsp://"+srv.Addr().String()+"/door", mjpegStream(t, c), 60, gortsplib.TransportTCP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the recording to close", 5*time.Second, func() bool { return len(r.gaps(t, "door")) == 1 })
	frs := r.fragments(t, "door")
	if framesOf(frs) != 60 {
		t.Errorf("%d frames stored, want 60", framesOf(frs))
	}
	if info, _ := r.st.Camera("door"); info.Codecs != "mjpeg" {
		t.Errorf("codecs %q", info.Codecs)
	}
}

// Who may publish where: a camera's own credentials, else the server's;
// a path that is no camera only when new paths are on; never a camera
// that pulls.
func TestPublishRefused(t *testing.T) {
	c := testClips(t)
	pulled := cameras.Spec{Name: "pulled", Source: "rtsp://127.0.0.1:1/x", Config: &PullConfig{}}
	r := newRig(t, publisherSpec("door", cameras.Login{Username: "door", Password: "door-secret"}),
		publisherSpec("yard", cameras.Login{}), pulled)
	srv := r.serve(t, []cameras.Credential{{Username: "gw", Password: "gw-secret"}}, "")
	addr := srv.Addr().String()
	s := h264Stream(t, c, true, false)
	for _, tc := range []struct {
		url  string
		want int // 0: accepted
	}{
		{"rtsp://door:door-secret@" + addr + "/door", 0},
		{"rtsp://gw:gw-secret@" + addr + "/door", 401}, // the camera's own credentials only
		{"rtsp://door:wrong@" + addr + "/door", 401},
		{"rtsp://" + addr + "/door", 401},
		{"rtsp://gw:gw-secret@" + addr + "/yard", 0},
		{"rtsp://door:door-secret@" + addr + "/yard", 401},
		{"rtsp://gw:gw-secret@" + addr + "/pulled", 403},
		{"rtsp://gw:gw-secret@" + addr + "/new", 404},
	} {
		err := publish(t, tc.url, s, 2, gortsplib.TransportTCP)
		var bad liberrors.ErrClientBadStatusCode
		switch {
		case tc.want == 0 && err != nil:
			t.Errorf("%s: %v", tc.url, err)
		case tc.want != 0 && (!errors.As(err, &bad) || int(bad.Code) != tc.want):
			t.Errorf("%s: got %v, want status %d", tc.url, err, tc.want)
		}
	}
	r.cms.SetPublishNew(true)
	if err := publish(t, "rtsp://gw:gw-secret@"+addr+"/new", s, 2, gortsplib.TransportTCP); err != nil {
		t.Errorf("new path: %v", err)
	}
	if _, ok := r.cms.Camera("new"); !ok {
		t.Error("publishing to a new path made no camera")
	}
	if err := publish(t, "rtsp://"+addr+"/other", s, 2, gortsplib.TransportTCP); err == nil {
		t.Error("an unauthenticated publisher created a camera")
	}
	if _, ok := r.cms.Camera("other"); ok {
		t.Error("a refused publisher left a camera behind")
	}
}

// Basic authentication, as some cameras and encoders send it unasked,
// is accepted (the server also offers digest, which ffmpeg and gortsplib
// use). The request is written by hand, as such a client would.
func TestPublishBasicAuth(t *testing.T) {
	r := newRig(t, publisherSpec("door", cameras.Login{Username: "door", Password: "door-secret"}))
	srv := r.serve(t, nil, "")
	sdp := "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\na=control:trackID=0\r\n"
	for _, tc := range []struct {
		auth string
		want string
	}{
		{"Basic ZG9vcjpkb29yLXNlY3JldA==", "RTSP/1.0 200"}, // door:door-secret
		{"Basic ZG9vcjp3cm9uZw==", "RTSP/1.0 401"},         // door:wrong
	} {
		conn, err := net.Dial("tcp", srv.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "ANNOUNCE rtsp://%s/door RTSP/1.0\r\nCSeq: 1\r\nAuthorization: %s\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
			srv.Addr(), tc.auth, len(sdp), sdp)
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, err := bufio.NewReader(conn).ReadString('\n')
		conn.Close()
		if err != nil || !strings.HasPrefix(line, tc.want) {
			t.Errorf("%s: got %q %v, want %s", tc.auth, line, err, tc.want)
		}
	}
}

// ntpOf is a time as RTCP carries it: seconds since 1900 in 32.32 fixed
// point.
func ntpOf(t time.Time) uint64 {
	ns := uint64(t.UnixNano()) + 2208988800*uint64(time.Second)
	return (ns/uint64(time.Second))<<32 | (ns%uint64(time.Second))<<32/uint64(time.Second)
}

func TestNTPTime(t *testing.T) {
	for _, tc := range []struct {
		v    uint64
		want time.Time
	}{
		{0x83aa7e80_00000000, time.Unix(0, 0)},
		{0x83aa7e80_80000000, time.Unix(0, 500_000_000)},
		{0x83aa7e81_40000000, time.Unix(1, 250_000_000)},
	} {
		if got := ntpTime(tc.v); !got.Equal(tc.want) {
			t.Errorf("ntpTime(%#x) = %v, want %v", tc.v, got, tc.want)
		}
		if got := ntpOf(tc.want); got != tc.v {
			t.Errorf("ntpOf(%v) = %#x, want %#x", tc.want, got, tc.v)
		}
	}
}
