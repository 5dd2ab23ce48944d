package hls

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"

	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/video/fragments"
)

// clip is the H.264 clip of the fragment store's testdata in access units:
// 50 frames at 25 fps, an IDR at 0 and 25.
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

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(logWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type logWriter struct{ t testing.TB }

func (w logWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// rig is a fragment store with 1 s fragments and an HLS server.
type rig struct {
	store *fragments.Store
	srv   *Server
	http  *httptest.Server
}

func newRig(t testing.TB) *rig {
	t.Helper()
	st, err := fragments.Open(t.TempDir(), fragments.Options{Logger: testLogger(t),
		Defaults: fragments.CameraConfig{FragmentTarget: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Store: st, Logger: testLogger(t)}
	mux := http.NewServeMux()
	for _, rt := range s.Routes() {
		mux.Handle(rt.Pattern, rt.Handler)
	}
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		hs.Close()
		st.Close()
	})
	return &rig{store: st, srv: s, http: hs}
}

// record writes frames [from, to) of the clip in a loop as one session of
// the camera, received at base + their time.
func (r *rig) record(t testing.TB, camera string, base time.Time, from, to int) {
	t.Helper()
	c := testClip(t)
	rec, err := r.store.Record(camera, []fragments.Track{{ID: 1, Codec: fragments.H264{SPS: c.sps, PPS: c.pps}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := from; i < to; i++ {
		d := time.Duration(i-from) * 40 * time.Millisecond
		if err := rec.WriteFrame(fragments.Frame{Track: 1, DTS: d, PTS: d, NALUs: c.aus[i%len(c.aus)], Received: base.Add(d)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(fragments.ReasonCameraOffline, "the test camera stopped"); err != nil {
		t.Fatal(err)
	}
}

func (r *rig) get(t testing.TB, path string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", r.http.URL+path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// probe is what ffprobe says of a URL's video.
type probe struct {
	Codec    string `json:"codec_name"`
	Frames   string `json:"nb_read_frames"`
	Width    int    `json:"width"`
	Duration string `json:"duration"`
}

func ffprobe(t testing.TB, url string) probe {
	t.Helper()
	bin := peer.FFprobe(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=codec_name,nb_read_frames,width,duration", "-of", "json", url).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe %s: %v: %s", url, err, out)
	}
	var res struct{ Streams []probe }
	if err := json.Unmarshal(out, &res); err != nil || len(res.Streams) != 1 {
		t.Fatalf("ffprobe: %s: %v", out, err)
	}
	return res.Streams[0]
}

func framesOf(frs []fragments.Fragment) int {
	n := 0
	for _, f := range frs {
		n += f.Frames
	}
	return n
}
