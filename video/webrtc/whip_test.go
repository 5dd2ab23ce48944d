package webrtc

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/tidegate/tidegate/video/cameras"
	"github.com/tidegate/tidegate/video/fragments"
)

// A pion client publishes H.264 over WHIP to a new path: the camera is
// created, its fragments are recorded and each plays in ffprobe with the
// frames the index says; DELETE ends the session with a camera offline
// gap.
func TestWHIPRecords(t *testing.T) {
	c := testClip(t)
	r := newRig(t)
	p, err := publishTo(t, r.http.URL+"/video/door/whip", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.location, "/video/door/whip/") {
		t.Errorf("Location %q", p.location)
	}
	p.send(t, c, 0, 125) // 5 s: IDRs every second
	if code := deleteSession(t, r.http.URL+p.location); code != http.StatusOK {
		t.Fatalf("DELETE: %d", code)
	}
	waitFor(t, "the session to end", 5*time.Second, func() bool {
		st := r.cams.Cameras()
		return len(st) == 1 && !st[0].Recording && st[0].Sessions == 1
	})
	if n := r.srv.Sessions(); n != 0 {
		t.Errorf("%d sessions held after DELETE", n)
	}
	ms := r.media(t, "door")
	frames := 0
	for _, m := range ms {
		frames += m.Frames
		got := ffprobe(t, concat(m.Init, m.Data))
		if got.Codec != "h264" || got.Width != 160 || got.Frames != itoa(m.Frames) {
			t.Errorf("fragment %d (%d frames): ffprobe says %+v", m.Number, m.Frames, got)
		}
	}
	// Some frames at the start may come before the first keyframe, and
	// the last GOP's tail is written at the end of the session.
	if len(ms) < 2 || frames < 100 {
		t.Errorf("%d fragments of %d frames, want at least 2 of 100 of the 125 sent", len(ms), frames)
	}
	gaps, err := r.store.Gaps("door", time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(gaps) != 1 || gaps[0].Reason != fragments.ReasonCameraOffline || !gaps[0].Open() {
		t.Errorf("gaps %v, want one open camera offline gap", gaps)
	}
	if code := deleteSession(t, r.http.URL+p.location); code != http.StatusNotFound {
		t.Errorf("DELETE of an ended session: %d, want 404", code)
	}
}

// A newer publisher replaces the older one; the older one's connection is
// closed.
func TestWHIPReplaces(t *testing.T) {
	c := testClip(t)
	r := newRig(t)
	first, err := publishTo(t, r.http.URL+"/video/gate/whip", nil)
	if err != nil {
		t.Fatal(err)
	}
	first.send(t, c, 0, 30)
	second, err := publishTo(t, r.http.URL+"/video/gate/whip", nil)
	if err != nil {
		t.Fatal(err)
	}
	second.send(t, c, 0, 30)
	waitFor(t, "the first publisher to be hung up", 10*time.Second, func() bool {
		s := first.pc.ConnectionState()
		return s == webrtc.PeerConnectionStateClosed || s == webrtc.PeerConnectionStateFailed || s == webrtc.PeerConnectionStateDisconnected
	})
	if st := r.cams.Cameras(); len(st) != 1 || !st[0].Recording || st[0].Sessions != 2 {
		t.Errorf("status %+v, want the second session recording", st)
	}
	if n := r.srv.Sessions(); n != 1 {
		t.Errorf("%d sessions held, want 1", n)
	}
}

// A camera with credentials of its own takes them by HTTP Basic; one
// without takes what Authorize says (the gateway's tokens).
func TestWHIPCredentials(t *testing.T) {
	spec := cameras.Spec{Name: "dock", Source: cameras.PublisherSource,
		Config: &cameras.PublisherConfig{Login: cameras.Login{Username: "cam", Password: "s3cret"}}}
	r := newRig(t, spec)
	r.srv.Authorize = func(_ http.ResponseWriter, req *http.Request) error {
		if req.Header.Get("Authorization") != "Bearer tok" {
			return errors.New("no token")
		}
		return nil
	}
	for _, tc := range []struct {
		name, path, auth string
		ok               bool
	}{
		{"own credentials, none given", "dock", "", false},
		{"own credentials, wrong password", "dock", "Basic Y2FtOndyb25n", false},
		{"own credentials, the gateway's token", "dock", "Bearer tok", false},
		{"own credentials", "dock", "Basic Y2FtOnMzY3JldA==", true},
		{"a new path, no token", "shed", "", false},
		{"a new path, the token", "shed", "Bearer tok", true},
		{"no such camera, no token: 401, not 404", "-x", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.auth != "" {
				h.Set("Authorization", tc.auth)
			}
			p, err := publishTo(t, r.http.URL+"/video/"+tc.path+"/whip", h)
			switch {
			case tc.ok && err != nil:
				t.Fatalf("refused: %v", err)
			case !tc.ok && (err == nil || !strings.Contains(err.Error(), "401")):
				t.Fatalf("got %v, want 401", err)
			case tc.ok:
				p.pc.Close()
			}
		})
	}
	if _, ok := r.cams.Camera("shed"); !ok {
		t.Error("the authorized publisher did not create its camera")
	}
}

// Offers the gateway cannot take are refused with a clear status, and
// leave no camera and no session behind.
func TestWHIPRefusals(t *testing.T) {
	r := newRig(t)
	vp8 := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n" +
		"a=mid:0\r\na=sendonly\r\na=rtpmap:96 VP8/90000\r\n"
	for _, tc := range []struct {
		name, path, ctype, body string
		status                  int
		want                    string
	}{
		{"not sdp", "a", "text/plain", "hello", 400, "Content-Type"},
		{"garbage", "b", "application/sdp", "v=0\r\nnonsense", 400, "not a session description"},
		{"vp8 only", "c", "application/sdp", vp8, 400, "no H.264 video or Opus or G.711 audio"},
		{"a bad name", "-x", "application/sdp", vp8, 404, "no such camera"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post(r.http.URL+"/video/"+tc.path+"/whip", tc.ctype, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body := readAll(resp)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("%d %q, want %d with %q", resp.StatusCode, body, tc.status, tc.want)
			}
		})
	}
	if st := r.cams.Cameras(); len(st) != 0 {
		t.Errorf("refused offers made cameras: %+v", st)
	}
	if n := r.srv.Sessions(); n != 0 {
		t.Errorf("%d sessions held", n)
	}
	if code := deleteSession(t, r.http.URL+"/video/a/whip/0123"); code != http.StatusNotFound {
		t.Errorf("DELETE of no session: %d", code)
	}
	req, _ := http.NewRequest("PATCH", r.http.URL+"/video/a/whip/0123", strings.NewReader("a=candidate"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("PATCH: %d, want 405", resp.StatusCode)
	}
}

// A publisher that sends keyframes only when asked (as browsers do) is
// asked every KeyframeInterval, so that its recording is cut into
// fragments.
func TestWHIPAsksForKeyframes(t *testing.T) {
	c := testClip(t)
	r := newRig(t) // KeyframeInterval 1 s
	p, err := publishTo(t, r.http.URL+"/video/lobby/whip", nil)
	if err != nil {
		t.Fatal(err)
	}
	plis := p.countPLIs()
	p.sendOnRequest(t, c, 100, plis)
	deleteSession(t, r.http.URL+p.location)
	waitFor(t, "the session to end", 5*time.Second, func() bool { st := r.cams.Cameras(); return len(st) == 1 && !st[0].Recording })
	frs, err := r.store.Fragments("lobby", fragments.Query{})
	if err != nil {
		t.Fatal(err)
	}
	// 4 s: asked at about 1, 2 and 3 s.
	if n := plis.Load(); n < 2 || n > 5 || len(frs) < 3 {
		t.Errorf("%d keyframe requests, %d fragments: want 2-5 requests, at least 3 fragments", n, len(frs))
	}
}

// A publisher whose camera stopped between its answer and its connection
// is hung up and forgotten.
func TestWHIPCameraStoppedBeforeConnecting(t *testing.T) {
	r := newRig(t, cameras.Spec{Name: "attic", Source: cameras.PublisherSource, Config: &cameras.PublisherConfig{}})
	pc, err := clientAPI(t).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	track, _ := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000}, "v", "p")
	pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	offer, _ := pc.CreateOffer(nil)
	gathered := webrtc.GatheringCompletePromise(pc)
	pc.SetLocalDescription(offer)
	<-gathered
	resp, err := http.Post(r.http.URL+"/video/attic/whip", "application/sdp", strings.NewReader(pc.LocalDescription().SDP))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("%v %v", resp, err)
	}
	answer := readAll(resp)
	resp.Body.Close()
	if err := r.cams.Reconcile(nil); err != nil { // the camera is removed from the configuration
		t.Fatal(err)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the session to be forgotten", 10*time.Second, func() bool { return r.srv.Sessions() == 0 })
	waitFor(t, "the publisher to be hung up", 10*time.Second, func() bool {
		s := pc.ConnectionState()
		return s == webrtc.PeerConnectionStateClosed || s == webrtc.PeerConnectionStateFailed || s == webrtc.PeerConnectionStateDisconnected
	})
}
