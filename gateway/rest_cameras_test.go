package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image/jpeg"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/internal/testvideo"
)

// get fetches a path of the gateway and returns the response with its body read.
func getPath(t *testing.T, g *Gateway, path string) (*http.Response, []byte) {
	t.Helper()
	res, err := http.Get("http://" + g.Addr().String() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

func getJSON(t *testing.T, g *Gateway, path string, v any) {
	t.Helper()
	res, b := getPath(t, g, path)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, b)
	}
}

// probeFile has ffprobe read a file: the video stream's codec and frames,
// and the duration; ffmpeg must decode it without an error.
func probeFile(t *testing.T, b []byte, name string) (codec string, frames int, dur time.Duration) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(peer.FFprobe(t), "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
		"stream=codec_name,nb_read_frames:format=duration", "-of", "json", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, out)
	}
	var p struct {
		Streams []struct {
			Codec  string `json:"codec_name"`
			Frames string `json:"nb_read_frames"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &p); err != nil || len(p.Streams) != 1 {
		t.Fatalf("ffprobe: %v\n%s", err, out)
	}
	frames, _ = strconv.Atoi(p.Streams[0].Frames)
	d, _ := strconv.ParseFloat(p.Format.Duration, 64)
	if dec, err := exec.Command(peer.FFmpeg(t), "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput(); err != nil || len(dec) > 0 {
		t.Errorf("ffmpeg decoding %s: %v\n%s", name, err, dec)
	}
	return p.Streams[0].Codec, frames, time.Duration(d * float64(time.Second))
}

type fragmentsAnswer struct {
	Camera    string
	Fragments []fragmentView
	Gaps      []gapView
	NextAfter uint64 `json:"next_after"`
}

type framesAnswer struct {
	Camera    string
	Images    []frameView
	NextStart string `json:"next_start"`
	Error     string
}

// A recording read back over REST: the camera list, fragments and gaps
// by time with paging, a clip that ffprobe plays with every frame, the
// Matroska media feed, and frames as JSON and multipart.
func TestRESTCameraRecording(t *testing.T) {
	peer.FFmpeg(t)
	g := startGateway(t, testConfig(t, "cameras:\n  - {name: door, source: publisher}\n"))
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	enc := testvideo.Encode(t, testvideo.Options{Seconds: 10, Video: testvideo.H264(25)})
	rec := testvideo.Record(t, g.VideoStore(), "cam", enc, t0, false)
	rfc := func(t time.Time) string { return url.QueryEscape(t.Format(time.RFC3339Nano)) }

	var list struct{ Cameras []cameraView }
	getJSON(t, g, "/api/v1/cameras", &list)
	if len(list.Cameras) != 2 || list.Cameras[0].Name != "cam" || list.Cameras[1].Name != "door" {
		t.Fatalf("cameras %+v", list.Cameras)
	}
	cam, door := list.Cameras[0], list.Cameras[1]
	if cam.Running || cam.Codecs != "h264" || cam.Oldest == nil || !cam.Oldest.Equal(t0) || cam.NextFragment != 6 || cam.OpenGap == nil ||
		cam.OpenGap.Reason != "camera offline" || cam.OpenGap.End != nil || cam.FragmentMillis != 2000 || cam.OnFull != "delete_oldest" {
		t.Errorf("cam %+v", cam)
	}
	if !door.Running || door.Type != "publisher" || door.Source != "publisher" || door.Recording {
		t.Errorf("door %+v", door)
	}

	var fa fragmentsAnswer
	getJSON(t, g, "/api/v1/cameras/cam/fragments?start="+rfc(t0.Add(3*time.Second))+"&end="+rfc(t0.Add(7*time.Second)), &fa)
	if len(fa.Fragments) != 3 || fa.Fragments[0].Number != 2 || !fa.Fragments[0].Server.Equal(t0.Add(2*time.Second)) ||
		fa.Fragments[0].DurationMS != 2000 || fa.Fragments[0].Frames != 50 || fa.Fragments[0].Keyframes != 2 || len(fa.Gaps) != 0 {
		t.Errorf("fragments 3 s to 7 s: %+v", fa)
	}
	getJSON(t, g, "/api/v1/cameras/cam/fragments?limit=2&after=1", &fa)
	if len(fa.Fragments) != 2 || fa.Fragments[0].Number != 2 || fa.NextAfter != 3 || len(fa.Gaps) != 1 || fa.Gaps[0].Reason != "camera offline" {
		t.Errorf("a page: %+v", fa)
	}

	res, clip := getPath(t, g, "/api/v1/cameras/cam/clip.mp4?start="+rfc(t0.Add(3*time.Second))+"&end="+rfc(t0.Add(7*time.Second)))
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "video/mp4" || res.ContentLength != -1 {
		t.Fatalf("clip: %d %v (length %d)", res.StatusCode, res.Header, res.ContentLength)
	}
	if codec, n, d := probeFile(t, clip, "clip.mp4"); codec != "h264" || n != 150 || d < 5900*time.Millisecond || d > 6100*time.Millisecond {
		t.Errorf("clip of fragments 2-4: %s, %d frames, %v", codec, n, d)
	}

	res, media := getPath(t, g, "/api/v1/cameras/cam/media?start=earliest&end="+rfc(rec.End))
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "video/x-matroska" {
		t.Fatalf("media: %d %v", res.StatusCode, res.Header)
	}
	if codec, n, _ := probeFile(t, media, "media.mkv"); codec != "h264" || n != rec.Video {
		t.Errorf("media feed: %s, %d frames of %d", codec, n, rec.Video)
	}
	for _, tag := range []string{"AWS_KINESISVIDEO_FRAGMENT_NUMBER", "AWS_KINESISVIDEO_SERVER_TIMESTAMP", "AWS_KINESISVIDEO_CONTINUATION_TOKEN"} {
		if bytes.Count(media, []byte(tag)) != 5 {
			t.Errorf("media feed: %d tags %s for 5 fragments", bytes.Count(media, []byte(tag)), tag)
		}
	}
	_, from4 := getPath(t, g, "/api/v1/cameras/cam/media?fragment=4&end="+rfc(rec.End))
	if _, n, _ := probeFile(t, from4, "from4.mkv"); n != 100 {
		t.Errorf("media from fragment 4: %d frames", n)
	}

	var fr framesAnswer
	getJSON(t, g, "/api/v1/cameras/cam/frames?start="+rfc(t0)+"&end="+rfc(t0.Add(10*time.Second))+"&every=1s&limit=7", &fr)
	if len(fr.Images) != 7 || fr.NextStart != t0.Add(7*time.Second).Format(time.RFC3339Nano) || fr.Error != "" {
		t.Fatalf("frames every second, 7 at most: %d images, next %q, error %q", len(fr.Images), fr.NextStart, fr.Error)
	}
	for i, im := range fr.Images {
		b, err := base64.StdEncoding.DecodeString(im.Image)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width != 160 || !im.Server.Equal(t0.Add(time.Duration(i)*time.Second)) || im.Fragment != uint64(i/2+1) ||
			im.Index != 25*(i%2) || !im.Keyframe {
			t.Errorf("image %d: %+v (%v)", i, cfg, err)
		}
	}

	res, body := getPath(t, g, "/api/v1/cameras/cam/frames?format=multipart&keyframes=true&width=80&start="+rfc(t0)+"&end="+rfc(t0.Add(4*time.Second)))
	_, ps, err := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(bytes.NewReader(body), ps["boundary"])
	n := 0
	for {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		if p.Header.Get("Content-Type") == "application/json" {
			if string(b) != "{}" {
				t.Errorf("the end part: %s", b)
			}
			if _, err := mr.NextPart(); err != io.EOF {
				t.Errorf("after the end part: %v", err)
			}
			break
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width != 80 || p.Header.Get("Content-Type") != "image/jpeg" || p.Header.Get("X-Camera") != "cam" ||
			p.Header.Get("X-Server-Timestamp") != t0.Add(time.Duration(n)*time.Second).Format(time.RFC3339Nano) {
			t.Errorf("part %d: %v %+v (%v)", n, p.Header, cfg, err)
		}
		n++
	}
	if n != 4 {
		t.Errorf("%d keyframes in 4 s", n)
	}
}

// Bad requests get a status and {"error": …} that says what is wrong.
func TestRESTCameraErrors(t *testing.T) {
	g := startGateway(t, testConfig(t, ""))
	testvideo.Record(t, g.VideoStore(), "cam", testvideo.Encode(t, testvideo.Options{Seconds: 2, Video: testvideo.H264(25)}), time.Now().Add(-time.Minute), false)
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/api/v1/cameras/nope", 404, "not found"},
		{"/api/v1/cameras/nope/fragments", 404, "not found"},
		{"/api/v1/cameras/cam/fragments?start=yesterday", 400, `start: "yesterday" is not an RFC 3339 time`},
		{"/api/v1/cameras/cam/fragments?limit=20000", 400, "limit"},
		{"/api/v1/cameras/cam/clip.mp4?start=2026-01-01T00:00:00Z", 400, "start and end: both are needed"},
		{"/api/v1/cameras/cam/clip.mp4?start=2026-01-01T00:00:00Z&end=2026-01-01T00:01:00Z", 404, "has no fragment between"},
		{"/api/v1/cameras/cam/media?fragment=x", 400, "fragment"},
		{"/api/v1/cameras/nope/media", 404, "not found"},
		{"/api/v1/cameras/cam/frames?start=2026-01-01T00:00:00Z", 400, "a JSON answer needs an end"},
		{"/api/v1/cameras/cam/frames?format=xml&end=2026-01-01T00:00:00Z", 400, "json or multipart"},
		{"/api/v1/cameras/cam/frames?every=often&end=2026-01-01T00:00:00Z", 400, "every"},
		{"/api/v1/cameras/cam/frames?start=2026-01-01T00:00:00Z&end=2025-01-01T00:00:00Z", 400, "is not after start"},
		{"/api/v1/cameras/nope/frames?end=2026-01-01T00:00:00Z", 404, "not found"},
	} {
		res, b := getPath(t, g, tc.path)
		var e struct{ Error string }
		if res.StatusCode != tc.status || json.Unmarshal(b, &e) != nil || !strings.Contains(e.Error, tc.want) {
			t.Errorf("%s: %d %s, want %d with %q", tc.path, res.StatusCode, b, tc.status, tc.want)
		}
	}
	// Without ffmpeg an H.264 camera's frames are a 501 that says so.
	t.Setenv("PATH", t.TempDir())
	res, b := getPath(t, g, "/api/v1/cameras/cam/frames?format=multipart")
	if res.StatusCode != http.StatusNotImplemented || !strings.Contains(string(b), "needs ffmpeg, which is not installed") {
		t.Errorf("frames without ffmpeg: %d %s", res.StatusCode, b)
	}
}

// ffmpeg publishes H.264 to a new path of the RTSP server, which becomes
// a camera; a live frames consumer that reads nothing for the whole
// recording never slows it (no frame dropped, the fragments cover the
// time), then gets every frame in order; the clip of the recording has,
// per ffprobe, every frame stored and their duration; frames decode.
func TestRESTLiveCamera(t *testing.T) {
	ffmpeg := peer.FFmpeg(t)
	g := startGateway(t, testConfig(t, ""))
	const seconds, fps = 10, 25
	cmd := exec.Command(ffmpeg, "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=640x480:rate=25",
		"-t", strconv.Itoa(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p",
		"-f", "rtsp", "-rtsp_transport", "tcp", "rtsp://"+g.RTSPAddr().String()+"/live")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	began := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the published camera", func() bool { _, ok := g.Cameras().Camera("live"); return ok })
	res, err := http.Get("http://" + g.Addr().String() + "/api/v1/cameras/live/frames?format=multipart&start=" +
		url.QueryEscape(began.Add(-time.Second).Format(time.RFC3339Nano)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("live frames: %d", res.StatusCode)
	}
	// Read nothing while the camera records.
	if err := cmd.Wait(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, &stderr)
	}
	st := g.VideoStore()
	waitFor(t, "the recording to close", func() bool { gaps := videoGaps(t, st, "live"); return len(gaps) == 1 })
	frs := videoFragments(t, st, "live")
	stored := 0
	for _, f := range frs {
		stored += f.Frames
	}
	info, _ := st.Camera("live")
	var cam cameraView
	getJSON(t, g, "/api/v1/cameras/live", &cam)
	if cam.FramesDropped != 0 || info.Stats.FramesDropped != 0 || stored < (seconds-1)*fps || frs[len(frs)-1].End().Sub(frs[0].Server) < (seconds-2)*time.Second {
		t.Errorf("with a consumer not reading: %d frames stored in %d fragments over %v, %d dropped", stored, len(frs),
			frs[len(frs)-1].End().Sub(frs[0].Server), cam.FramesDropped)
	}
	// Now read: every frame, in order, from the first.
	_, ps, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	mr := multipart.NewReader(res.Body, ps["boundary"])
	var prev time.Time
	for i := range stored {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		b, _ := io.ReadAll(p)
		at, _ := time.Parse(time.RFC3339Nano, p.Header.Get("X-Server-Timestamp"))
		if _, err := jpeg.DecodeConfig(bytes.NewReader(b)); err != nil || !at.After(prev) || (i == 0 && p.Header.Get("X-Fragment-Number") != "1") {
			t.Fatalf("part %d: %v %v after %v", i, p.Header, err, prev)
		}
		prev = at
	}
	res.Body.Close()

	_, clip := getPath(t, g, "/api/v1/cameras/live/clip.mp4?start="+url.QueryEscape(frs[0].Server.Format(time.RFC3339Nano))+
		"&end="+url.QueryEscape(frs[len(frs)-1].End().Format(time.RFC3339Nano)))
	codec, n, d := probeFile(t, clip, "live.mp4")
	if want := time.Duration(stored) * time.Second / fps; codec != "h264" || n != stored || d < want-100*time.Millisecond || d > want+100*time.Millisecond {
		t.Errorf("clip: %s, %d frames of %d stored, %v for %v", codec, n, stored, d, want)
	}
	var fr framesAnswer
	getJSON(t, g, "/api/v1/cameras/live/frames?every=1s&width=320&start="+url.QueryEscape(frs[0].Server.Format(time.RFC3339Nano))+
		"&end="+url.QueryEscape(frs[len(frs)-1].End().Format(time.RFC3339Nano)), &fr)
	if len(fr.Images) < seconds-1 || fr.Error != "" {
		t.Fatalf("%d frames every second, error %q", len(fr.Images), fr.Error)
	}
	for i, im := range fr.Images {
		b, _ := base64.StdEncoding.DecodeString(im.Image)
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(b)); err != nil || cfg.Width != 320 || cfg.Height != 240 {
			t.Errorf("frame %d: %+v %v", i, cfg, err)
		}
	}
}
