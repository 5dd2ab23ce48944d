package hls

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/video/fragments"
)

func rangeQuery(start, end time.Time) string {
	return "?start=" + url.QueryEscape(start.Format(time.RFC3339Nano)) + "&end=" + url.QueryEscape(end.Format(time.RFC3339Nano))
}

// A past range of two recording sessions is a VOD playlist that ffprobe
// plays through, every frame of its fragments, with a discontinuity and a
// new init segment where the second session begins.
func TestPastRangePlays(t *testing.T) {
	r := newRig(t)
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	r.record(t, "gate", base, 0, 100)                    // 4 s
	r.record(t, "gate", base.Add(10*time.Second), 0, 75) // 3 s, after a gap
	frs, err := r.store.Fragments("gate", fragments.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(frs) < 4 || frs[0].Segment == frs[len(frs)-1].Segment {
		t.Fatalf("%d fragments in segments %d … %d: want two segment files", len(frs), frs[0].Segment, frs[len(frs)-1].Segment)
	}
	path := "/video/gate/index.m3u8" + rangeQuery(base.Add(-time.Second), base.Add(time.Minute))
	resp, body := r.get(t, path, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.apple.mpegurl" {
		t.Fatalf("%d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	for _, want := range []string{"#EXT-X-VERSION:7\n", "#EXT-X-PLAYLIST-TYPE:VOD\n", "#EXT-X-ENDLIST\n",
		fmt.Sprintf("#EXT-X-MEDIA-SEQUENCE:%d\n", frs[0].Number), fmt.Sprintf("#EXT-X-DISCONTINUITY-SEQUENCE:%d\n", frs[0].Segment),
		fmt.Sprintf("#EXT-X-MAP:URI=\"hls/init-%d.mp4\"\n", frs[0].Number),
		"#EXT-X-PROGRAM-DATE-TIME:" + base.UTC().Format("2006-01-02T15:04:05.000Z") + "\n"} {
		if !strings.Contains(body, want) {
			t.Errorf("the playlist lacks %q:\n%s", want, body)
		}
	}
	if n := strings.Count(body, "#EXTINF:"); n != len(frs) {
		t.Errorf("%d segments, want %d", n, len(frs))
	}
	if strings.Count(body, "#EXT-X-DISCONTINUITY\n") != 1 || strings.Count(body, "#EXT-X-MAP:") != 2 {
		t.Errorf("want one discontinuity and two init segments:\n%s", body)
	}
	got := ffprobe(t, r.http.URL+path)
	if got.Codec != "h264" || got.Width != 160 || got.Frames != fmt.Sprint(framesOf(frs)) {
		t.Errorf("ffprobe: %+v, want h264 160 wide with %d frames", got, framesOf(frs))
	}
	// A range inside the second session only.
	resp, body = r.get(t, "/video/gate/index.m3u8"+rangeQuery(base.Add(11*time.Second), base.Add(12*time.Second)), nil)
	if resp.StatusCode != 200 || strings.Contains(body, "#EXT-X-DISCONTINUITY\n") || strings.Count(body, "#EXTINF:") != 1 {
		t.Errorf("a range within one fragment: %d\n%s", resp.StatusCode, body)
	}
}

// The live playlist lists the newest fragments; a blocking reload for the
// next one waits until it is stored.
func TestLivePlaylist(t *testing.T) {
	r := newRig(t)
	base := time.Now().Add(-time.Minute)
	r.record(t, "yard", base, 0, 250) // 10 s: 10 fragments
	info, err := r.store.Camera("yard")
	if err != nil {
		t.Fatal(err)
	}
	resp, body := r.get(t, "/video/yard/index.m3u8", nil)
	if resp.StatusCode != 200 || strings.Contains(body, "#EXT-X-ENDLIST") || !strings.Contains(body, "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES") {
		t.Fatalf("%d\n%s", resp.StatusCode, body)
	}
	first := info.Next - DefaultLiveFragments
	if !strings.Contains(body, fmt.Sprintf("#EXT-X-MEDIA-SEQUENCE:%d\n", first)) || strings.Count(body, "#EXTINF:") != DefaultLiveFragments ||
		!strings.HasSuffix(body, fmt.Sprintf("hls/%d.m4s\n", info.Next-1)) {
		t.Errorf("want fragments %d … %d:\n%s", first, info.Next-1, body)
	}
	// Every segment the playlist names is served.
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "hls/") {
			if resp, _ := r.get(t, "/video/yard/"+line, nil); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/mp4" {
				t.Errorf("%s: %d", line, resp.StatusCode)
			}
		}
	}
	if m := regexp.MustCompile(`URI="(hls/init-\d+\.mp4)"`).FindStringSubmatch(body); m == nil {
		t.Error("no init segment")
	} else if resp, b := r.get(t, "/video/yard/"+m[1], nil); resp.StatusCode != 200 || !strings.Contains(b[:16], "ftyp") {
		t.Errorf("%s: %d", m[1], resp.StatusCode)
	}
	// A blocking reload for the next fragment returns once it is stored.
	done := make(chan time.Time, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		r.record(t, "yard", time.Now(), 0, 50)
		done <- time.Now()
	}()
	start := time.Now()
	resp, body = r.get(t, fmt.Sprintf("/video/yard/index.m3u8?_HLS_msn=%d", info.Next), nil)
	took := time.Since(start)
	if resp.StatusCode != 200 || !strings.Contains(body, fmt.Sprintf("hls/%d.m4s\n", info.Next)) {
		t.Errorf("the blocking reload: %d\n%s", resp.StatusCode, body)
	}
	if took < 250*time.Millisecond {
		t.Errorf("the blocking reload returned after %v, before the fragment was written", took)
	}
	<-done
}

// Segments take range requests.
func TestSegmentRange(t *testing.T) {
	r := newRig(t)
	r.record(t, "dock", time.Now().Add(-time.Minute), 0, 50)
	m, err := r.store.ReadFragment("dock", 1)
	if err != nil {
		t.Fatal(err)
	}
	resp, body := r.get(t, "/video/dock/hls/1.m4s", http.Header{"Range": {"bytes=8-99"}})
	if resp.StatusCode != http.StatusPartialContent || body != string(m.Data[8:100]) ||
		resp.Header.Get("Content-Range") != fmt.Sprintf("bytes 8-99/%d", len(m.Data)) {
		t.Errorf("%d %q: %d bytes", resp.StatusCode, resp.Header.Get("Content-Range"), len(body))
	}
	resp, body = r.get(t, "/video/dock/hls/1.m4s", nil)
	if resp.StatusCode != 200 || body != string(m.Data) || resp.Header.Get("Accept-Ranges") != "bytes" {
		t.Errorf("whole: %d, %d bytes", resp.StatusCode, len(body))
	}
	// A past range's segment, moved in time, takes ranges too.
	_, whole := r.get(t, "/video/dock/hls/1.m4s?t=10000000000", nil)
	resp, body = r.get(t, "/video/dock/hls/1.m4s?t=10000000000", http.Header{"Range": {"bytes=100-"}})
	if resp.StatusCode != http.StatusPartialContent || len(whole) < 200 || body != whole[100:] || whole == string(m.Data) {
		t.Errorf("moved: %d, %d of %d bytes", resp.StatusCode, len(body), len(whole))
	}
}

// Requests that cannot be served say why.
func TestRefusals(t *testing.T) {
	r := newRig(t)
	r.record(t, "shed", time.Now().Add(-time.Minute), 0, 50)
	now := time.Now()
	for path, want := range map[string]int{
		"/video/none/index.m3u8":                                                            404,
		"/video/shed/index.m3u8?start=yesterday":                                            400,
		"/video/shed/index.m3u8?end=2026-01-01T00:00:00Z":                                   400,
		"/video/shed/index.m3u8" + rangeQuery(now, now.Add(-1)):                             400,
		"/video/shed/index.m3u8" + rangeQuery(now.Add(-72*time.Hour), now):                  400,
		"/video/shed/index.m3u8" + rangeQuery(now.Add(-3*time.Hour), now.Add(-2*time.Hour)): 404,
		"/video/shed/index.m3u8?_HLS_msn=x":                                                 400,
		"/video/shed/hls/99.m4s":                                                            404,
		"/video/shed/hls/01.m4s":                                                            404,
		"/video/shed/hls/1.ts":                                                              404,
		"/video/shed/hls/init-.mp4":                                                         404,
		"/video/shed/hls/1.m4s?t=-1":                                                        400,
		"/video/shed/hls/1.m4s?t=9223372036854775807":                                       400,
	} {
		if resp, body := r.get(t, path, nil); resp.StatusCode != want || len(body) < 10 {
			t.Errorf("%s: %d %q, want %d with a reason", path, resp.StatusCode, body, want)
		}
	}
}
