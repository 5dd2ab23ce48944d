package rtsp

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/auth"

	"github.com/tidegate/tidegate/video/cameras"
	"github.com/tidegate/tidegate/video/fragments"
)

func pullSpec(name, url string, cfg PullConfig) cameras.Spec {
	return cameras.Spec{Name: name, Source: url, Config: &cfg}
}

// The gateway pulls H.264 with G.711 audio from a camera over TCP, over
// UDP, and over whichever works (auto: UDP, then TCP when the camera
// takes no UDP).
func TestPull(t *testing.T) {
	for _, tc := range []struct {
		transport string
		udp       bool // the camera takes UDP
	}{
		{TransportTCP, true},
		{TransportUDP, true},
		{TransportAuto, false},
	} {
		t.Run(tc.transport, func(t *testing.T) {
			c := testClips(t)
			cam := startCamera(t, h264Stream(t, c, true, true), cameraOptions{udp: tc.udp})
			r := newRig(t, pullSpec("door", cam.url(), PullConfig{Transport: tc.transport}))
			waitFor(t, "two fragments", 15*time.Second, func() bool { return len(r.fragments(t, "door")) >= 2 })
			frs := r.fragments(t, "door")
			if frs[0].Frames < 90 || frs[0].Keyframes < 1 {
				t.Errorf("first fragment: %+v", frs[0])
			}
			if info, _ := r.st.Camera("door"); info.Codecs != "h264,pcm_s16be" || !info.Recording {
				t.Errorf("camera %+v", info)
			}
		})
	}
}

func TestPullMJPEG(t *testing.T) {
	c := testClips(t)
	cam := startCamera(t, mjpegStream(t, c), cameraOptions{})
	r := newRig(t, pullSpec("door", cam.url(), PullConfig{}))
	waitFor(t, "a fragment", 10*time.Second, func() bool { return len(r.fragments(t, "door")) >= 1 })
	if info, _ := r.st.Camera("door"); info.Codecs != "mjpeg" {
		t.Errorf("codecs %q", info.Codecs)
	}
}

// Basic and digest authentication are answered, with the credentials in
// the URL or in the keys; a wrong password is refused by the camera, and
// the password is in no log line.
func TestPullAuth(t *testing.T) {
	const secret = "s3cr3t-Pa55"
	for _, tc := range []struct {
		name    string
		method  auth.VerifyMethod
		inURL   bool
		pass    string
		records bool
	}{
		{"basic", auth.VerifyMethodBasic, false, secret, true},
		{"digest", auth.VerifyMethodDigestMD5, false, secret, true},
		{"digest in url", auth.VerifyMethodDigestMD5, true, secret, true},
		{"basic wrong", auth.VerifyMethodBasic, false, secret + "x", false},
		{"digest wrong", auth.VerifyMethodDigestMD5, true, secret + "x", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testClips(t)
			cam := startCamera(t, h264Stream(t, c, true, false), cameraOptions{user: "admin", pass: secret, methods: []auth.VerifyMethod{tc.method}})
			var logs recordingLog
			log := slog.New(slog.NewTextHandler(&logs, nil))
			url := cam.url()
			cfg := PullConfig{}
			if tc.inURL {
				url = "rtsp://admin:" + tc.pass + "@" + cam.addr + "/stream"
			} else {
				cfg.Login = cameras.Login{Username: "admin", Password: tc.pass}
			}
			r := newRig(t)
			r.cms.Logger = log
			if err := r.cms.Reconcile([]cameras.Spec{pullSpec("door", url, cfg)}); err != nil {
				t.Fatal(err)
			}
			if tc.records {
				waitFor(t, "a fragment", 10*time.Second, func() bool { return len(r.fragments(t, "door")) >= 1 })
			} else {
				select {
				case <-cam.refused:
				case <-time.After(10 * time.Second):
					t.Fatal("the camera refused nothing")
				}
				waitFor(t, "the refusal logged", 5*time.Second, func() bool { return strings.Contains(logs.text(), "401") })
				if n := len(r.fragments(t, "door")); n != 0 {
					t.Errorf("%d fragments recorded with a wrong password", n)
				}
			}
			r.cms.Close()
			for _, p := range []string{secret, tc.pass} {
				if strings.Contains(logs.text(), p) {
					t.Errorf("a log line holds the password:\n%s", logs.text())
				}
			}
		})
	}
}

// A camera that dies mid-stream leaves a gap of reason camera offline;
// once it is back the recording resumes by itself, and nothing recorded
// before the gap is lost.
func TestPullReconnect(t *testing.T) {
	c := testClips(t)
	cam := startCamera(t, h264Stream(t, c, true, false), cameraOptions{})
	r := newRig(t, pullSpec("door", cam.url(), PullConfig{Transport: TransportTCP}))
	waitFor(t, "a fragment", 10*time.Second, func() bool { return len(r.fragments(t, "door")) >= 1 })
	addr := cam.addr
	cam.close()
	waitFor(t, "the gap", 10*time.Second, func() bool {
		g := r.gaps(t, "door")
		return len(g) == 1 && g[0].Reason == fragments.ReasonCameraOffline && g[0].Open()
	})
	before := r.fragments(t, "door")
	cam = startCamera(t, h264Stream(t, c, true, false), cameraOptions{addr: addr})
	waitFor(t, "the recording to resume", 15*time.Second, func() bool {
		g := r.gaps(t, "door")
		return len(r.fragments(t, "door")) > len(before) && len(g) == 1 && !g[0].Open()
	})
	after := r.fragments(t, "door")
	for i, f := range before {
		if after[i] != f {
			t.Errorf("fragment %d changed: %+v → %+v", f.Number, f, after[i])
		}
		if _, err := r.st.ReadFragment("door", f.Number); err != nil {
			t.Error(err)
		}
	}
	g := r.gaps(t, "door")[0]
	if !g.Start.Before(after[len(before)].Server) || g.End.After(after[len(before)].Server) {
		t.Errorf("gap %v, next fragment at %v", g, after[len(before)].Server)
	}
}

func TestBackoff(t *testing.T) {
	var b backoff
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30}
	for i, w := range want {
		d := b.next()
		w *= time.Second
		if d < w*8/10 || d > w*12/10 {
			t.Errorf("delay %d: %v, want %v ±20%%", i, d, w)
		}
	}
	b.reset()
	if d := b.next(); d > 1200*time.Millisecond {
		t.Errorf("after reset: %v", d)
	}
}

func TestPullConfig(t *testing.T) {
	for _, tc := range []struct {
		source string
		cfg    PullConfig
		err    string
	}{
		{"rtsp://cam/x", PullConfig{Transport: "tcp"}, ""},
		{"rtsp://cam/x", PullConfig{Transport: "quic"}, `transport: "quic" is not one of tcp, udp, auto`},
		{"rtsp://cam/x", PullConfig{Timeout: time.Millisecond}, "timeout: 1ms is outside 100ms to 5m"},
		{"rtsp://cam/x", PullConfig{Login: cameras.Login{Password: "p"}}, "username: a password needs a username"},
		{"rtsp://cam/x", PullConfig{Login: cameras.Login{Username: "u", Password: "p", PasswordEnv: "X"}}, "exclude each other"},
		{"rtsp:///x", PullConfig{}, "has no host"},
		{"rtsp://u:hunter2@[::1/x", PullConfig{}, "is not an RTSP URL"},
	} {
		_, err := NewPuller(tc.source, tc.cfg)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s %+v: %v", tc.source, tc.cfg, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s %+v: got %v, want %s", tc.source, tc.cfg, err, tc.err)
		case err != nil && strings.Contains(err.Error(), "hunter2"):
			t.Errorf("the error shows the password: %v", err)
		}
	}
}
