package webrtc

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/video/fragments"
	"github.com/tidegate/tidegate/video/hls"
)

// poll evaluates expr in a tab until cond holds of its value, or fails
// the test with the last value after within.
func poll[T any](t *testing.T, tab context.Context, what, expr string, within time.Duration, cond func(T) bool) T {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		v, err := chromedp.Run(tab, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
		if err == nil && cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s is %+v (%v) after %v", what, expr, v, err, within)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// sentStats is what the publishing page's sent() says.
type sentStats struct {
	Frames int
	Codec  string
}

// Chromium publishes its fake camera and microphone over WHIP; a second
// tab plays the camera live over WHEP and a third over HLS, and their
// frames advance; what was recorded plays in ffprobe, H.264 and Opus.
func TestChromiumWHIPToWHEPAndHLS(t *testing.T) {
	peer.FFprobe(t)
	browser := peer.Chromium(t, 30*time.Second)
	r := newRig(t)
	r.mux.Handle("GET /page/", http.StripPrefix("/page/", http.FileServer(http.Dir("testdata"))))
	h := &hls.Server{Store: r.store, Logger: testLogger(t)}
	for _, rt := range h.Routes() {
		r.mux.Handle(rt.Pattern, rt.Handler)
	}

	pub, cancel := chromedp.NewContext(browser)
	defer cancel()
	if err := chromedp.Do(pub, chromedp.Navigate(r.http.URL+"/page/publish.html?camera=cam")); err != nil {
		t.Fatal(err)
	}
	poll(t, pub, "the WHIP publisher", "window.state", 10*time.Second, func(s string) bool { return s == "connected" })
	waitFor(t, "three fragments", 10*time.Second, func() bool {
		frs, _ := r.store.Fragments("cam", fragments.Query{})
		return len(frs) >= 3
	})
	sent := poll(t, pub, "frames sent", "window.sent()", time.Second, func(s sentStats) bool { return s.Frames > 0 })
	if sent.Codec != "video/H264" {
		t.Errorf("the browser sent %s, want H.264", sent.Codec)
	}

	whep, cancel := chromedp.NewContext(browser)
	defer cancel()
	if err := chromedp.Do(whep, chromedp.Navigate(r.http.URL+"/page/play.html?camera=cam")); err != nil {
		t.Fatal(err)
	}
	poll(t, whep, "the WHEP viewer", "window.state", 10*time.Second, func(s string) bool { return s == "connected" })
	first := poll(t, whep, "WHEP frames", "window.presented", 5*time.Second, func(n int) bool { return n > 0 })
	poll(t, whep, "WHEP frames advancing", "window.presented", 5*time.Second, func(n int) bool { return n >= first+25 })

	live, cancel := chromedp.NewContext(browser)
	defer cancel()
	if err := chromedp.Do(live, chromedp.Navigate(r.http.URL+"/page/hls.html?src=/video/cam/index.m3u8")); err != nil {
		t.Fatal(err)
	}
	type progress struct {
		State     string
		Time      float64
		Presented int
		Width     int
	}
	p := poll(t, live, "HLS playing", "window.progress()", 10*time.Second, func(p progress) bool { return p.Presented > 0 })
	poll(t, live, "HLS time advancing", "window.progress()", 5*time.Second, func(q progress) bool {
		return q.Time >= p.Time+1 && q.Presented > p.Presented && q.Width == 320
	})

	// The publisher hangs up; the recording plays.
	status, err := chromedp.Run(pub, chromedp.Evaluate[int](`fetch(window.resource, {method: 'DELETE'}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || status != 200 {
		t.Fatalf("DELETE: %d %v", status, err)
	}
	waitFor(t, "the session to end", 5*time.Second, func() bool { st := r.cams.Cameras(); return len(st) == 1 && !st[0].Recording })
	info, err := r.store.Camera("cam")
	if err != nil {
		t.Fatal(err)
	}
	if info.Codecs != "h264,opus" {
		t.Errorf("recorded %q, want h264,opus", info.Codecs)
	}
	for _, m := range r.media(t, "cam") {
		got := ffprobe(t, concat(m.Init, m.Data))
		if got.Codec != "h264" || got.Width != 320 || got.Frames == "0" {
			t.Errorf("fragment %d: ffprobe says %+v", m.Number, got)
		}
	}
	t.Logf("sent %d frames; the WHEP tab presented %d", sent.Frames, first)
}
