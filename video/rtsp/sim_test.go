package rtsp

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/video/cameras"
	"github.com/tidegate/tidegate/video/fragments"
)

// The gateway pulls the simulated camera (firmware-sim camera
// --rtsp-listen), H.264 over TCP and UDP and MJPEG: its fragments follow
// the camera's frame rate, carry the camera's clock, and a clip of them
// plays with every stored frame per ffprobe.
func TestPullSimCamera(t *testing.T) {
	for _, tc := range []struct{ codec, transport string }{
		{"h264", TransportTCP}, {"h264", TransportUDP}, {"mjpeg", TransportTCP},
	} {
		t.Run(tc.codec+"/"+tc.transport, func(t *testing.T) {
			peer.FFprobe(t)
			args := []string{"--rtsp-listen", "127.0.0.1:0", "--codec", tc.codec, "--fps", "25", "--size", "320x240"}
			if tc.transport == TransportUDP {
				args = append(args, "--rtp-address", fmt.Sprintf("127.0.0.1:%d", freeRTPPort(t)))
			}
			sim := peer.StartSimCamera(t, args...)
			r := newRig(t, pullSpec("sim", sim.URL, PullConfig{Transport: tc.transport}))
			waitFor(t, "three fragments", 20*time.Second, func() bool { return len(r.fragments(t, "sim")) >= 3 })
			r.cms.Close()
			frs := r.fragments(t, "sim")
			for _, f := range frs[:len(frs)-1] {
				// 2 s fragments of a 25 fps camera with an IDR a second.
				if f.Frames != 50 || f.Duration != 2*time.Second {
					t.Errorf("fragment %d: %d frames, %v", f.Number, f.Frames, f.Duration)
				}
			}
			withClock := 0
			for _, f := range frs {
				if !f.Producer.IsZero() {
					withClock++
					if d := f.Server.Sub(f.Producer); d < -time.Second || d > time.Second {
						t.Errorf("fragment %d: producer %v, server %v", f.Number, f.Producer, f.Server)
					}
				}
			}
			if withClock < len(frs)-1 {
				t.Errorf("%d of %d fragments have the camera's clock", withClock, len(frs))
			}
			var buf bytes.Buffer
			clip, err := r.st.WriteClip(context.Background(), &buf, "sim", frs[0].Server, frs[len(frs)-1].End())
			if err != nil {
				t.Fatal(err)
			}
			p := ffprobe(t, buf.Bytes())
			if codec, n := p.stream("video"); codec != tc.codec || n != clip.Frames {
				t.Errorf("clip: %s, %d frames; the store wrote %d", codec, n, clip.Frames)
			}
			if d := p.duration() - clip.Duration; d < -100*time.Millisecond || d > 100*time.Millisecond {
				t.Errorf("clip lasts %v per ffprobe, %v per the store", p.duration(), clip.Duration)
			}
		})
	}
}

// Basic and digest: the simulated camera asks for one; the gateway
// answers either, and is refused with a wrong password.
func TestPullSimCameraAuth(t *testing.T) {
	for _, method := range []string{"basic", "digest"} {
		t.Run(method, func(t *testing.T) {
			sim := peer.StartSimCamera(t, "--rtsp-listen", "127.0.0.1:0", "--username", "admin", "--password", "cam-secret", "--auth", method)
			var logs recordingLog
			r := newRig(t)
			r.cms.Logger = slogTo(&logs)
			specs := []cameras.Spec{
				pullSpec("good", sim.URL, PullConfig{Login: cameras.Login{Username: "admin", Password: "cam-secret"}}),
				pullSpec("bad", sim.URL, PullConfig{Login: cameras.Login{Username: "admin", Password: "not-it"}}),
			}
			if err := r.cms.Reconcile(specs); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "a fragment", 15*time.Second, func() bool { return len(r.fragments(t, "good")) >= 1 })
			waitFor(t, "the refusal logged", 10*time.Second, func() bool {
				return strings.Contains(logs.text(), "camera=bad") && strings.Contains(logs.text(), "401")
			})
			if n := len(r.fragments(t, "bad")); n != 0 {
				t.Errorf("%d fragments with a wrong password", n)
			}
			r.cms.Close()
			if strings.Contains(logs.text(), "cam-secret") || strings.Contains(logs.text(), "not-it") {
				t.Errorf("a password is in the log:\n%s", logs.text())
			}
		})
	}
}

// The simulated camera is killed with SIGKILL mid-stream and started
// again: a gap of reason camera offline, the recording resumes by itself,
// nothing recorded before the gap is lost.
func TestPullSimCameraKilled(t *testing.T) {
	port := peer.FreePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	sim := peer.StartSimCamera(t, "--rtsp-listen", addr)
	r := newRig(t, pullSpec("sim", sim.URL, PullConfig{Transport: TransportTCP}))
	waitFor(t, "two fragments", 15*time.Second, func() bool { return len(r.fragments(t, "sim")) >= 2 })
	sim.Cmd.Process.Signal(syscall.SIGKILL)
	waitFor(t, "the gap", 10*time.Second, func() bool {
		g := r.gaps(t, "sim")
		return len(g) == 1 && g[0].Reason == fragments.ReasonCameraOffline && g[0].Open()
	})
	before := r.fragments(t, "sim")
	peer.StartSimCamera(t, "--rtsp-listen", addr)
	waitFor(t, "the recording to resume", 20*time.Second, func() bool {
		g := r.gaps(t, "sim")
		return len(r.fragments(t, "sim")) >= len(before)+2 && len(g) == 1 && !g[0].Open()
	})
	after := r.fragments(t, "sim")
	for i, f := range before {
		// A fragment's times compare by instant: one listed while the
		// store still held it carries a monotonic reading that the one
		// read back from the index does not.
		a := after[i]
		a.Server, a.Producer, f.Server, f.Producer = a.Server.Round(0), a.Producer.Round(0), f.Server.Round(0), f.Producer.Round(0)
		if a != f {
			t.Errorf("fragment %d changed: %+v → %+v", f.Number, f, after[i])
		}
		if _, err := r.st.ReadFragment("sim", f.Number); err != nil {
			t.Error(err)
		}
	}
	g := r.gaps(t, "sim")[0]
	if next := after[len(before)]; g.End.After(next.Server) || g.End.Before(g.Start) {
		t.Errorf("gap %v; the next fragment starts at %v", g, next.Server)
	}
}
