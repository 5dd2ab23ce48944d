package hls

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tidegate/tidegate/internal/peer"
)

type progress struct {
	State     string
	Time      float64
	Presented int
	Duration  float64
	Width     int
}

func pollProgress(t *testing.T, tab context.Context, what string, within time.Duration, cond func(progress) bool) progress {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		p, err := chromedp.Run(tab, chromedp.Evaluate[progress]("window.progress()"))
		if err == nil && cond(p) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %+v (%v) after %v", what, p, err, within)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Chromium plays a past range of two recording sessions, natively, in a
// <video> element: to its end, through the discontinuity, with the
// duration of its fragments.
func TestChromiumPlaysPastRange(t *testing.T) {
	browser := peer.Chromium(t, 30*time.Second)
	r := newRig(t)
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	r.record(t, "gate", base, 0, 75)
	r.record(t, "gate", base.Add(10*time.Second), 0, 75)
	r.http.Config.Handler.(*http.ServeMux).Handle("GET /page/", http.StripPrefix("/page/", http.FileServer(http.Dir("testdata"))))
	tab, cancel := chromedp.NewContext(browser)
	defer cancel()
	src := "/video/gate/index.m3u8" + rangeQuery(base, base.Add(time.Minute))
	if err := chromedp.Do(tab, chromedp.Navigate(r.http.URL+"/page/hls.html?src="+src)); err != nil {
		t.Fatal(err)
	}
	p := pollProgress(t, tab, "playing to the end", 20*time.Second, func(p progress) bool { return p.State == "ended" })
	if p.Duration < 5.9 || p.Duration > 6.1 || p.Time < 5.8 || p.Width != 160 || p.Presented < 100 {
		t.Errorf("%+v, want 6 s played, 160 wide, most of its 150 frames presented", p)
	}
}
