package kvsapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesisvideo"

	"github.com/tidegate/tidegate/gateway/api/sigv4"
	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/internal/testvideo"
	"github.com/tidegate/tidegate/video/fragments"
	"github.com/tidegate/tidegate/video/frames"
)

const testKey, testSecret = "AKIDTIDEGATEVIDEO", "secret"

// t0 is when the test recordings begin: whole seconds, an hour ago.
var t0 = time.Now().Add(-time.Hour).Truncate(time.Second).UTC()

// rig is an API over a store with one recording, behind SigV4.
type rig struct {
	st  *fragments.Store
	api *API
	url string
	rec testvideo.Recorded
}

// newRig records 10 s of H.264 (2 s fragments, a keyframe a second) as
// camera "cam" and serves the API.
func newRig(t *testing.T) *rig {
	t.Helper()
	st, err := fragments.Open(t.TempDir(), fragments.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := &rig{st: st}
	r.rec = testvideo.Record(t, st, "cam", testvideo.Encode(t, testvideo.Options{Seconds: 10, Video: testvideo.H264(25)}), t0, false)
	v := &sigv4.Verifier{Keys: map[string]string{testKey: testSecret}, Service: "kinesisvideo"}
	r.api = &API{Store: st, Frames: &frames.Extractor{Store: st}, Auth: v.Verify, App: "tidegate test", Region: "eu-west-1", AccountID: "123456789012"}
	srv := httptest.NewServer(r.api)
	t.Cleanup(srv.Close)
	r.url = srv.URL
	return r
}

func (r *rig) sdk() *kinesisvideo.Client {
	return kinesisvideo.New(kinesisvideo.Options{BaseEndpoint: aws.String(r.url), Region: "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider(testKey, testSecret, ""), RetryMaxAttempts: 1,
		HTTPClient: &http.Client{Timeout: 30 * time.Second}})
}

func (r *rig) cli(t *testing.T) *peer.AWSCLI {
	return peer.NewAWSCLI(t, r.url, testKey)
}

// selectorJSON is a fragment selector as the CLI takes it.
func selectorJSON(kind string, start, end time.Time) string {
	b, _ := json.Marshal(map[string]any{"FragmentSelectorType": kind,
		"TimestampRange": map[string]string{"StartTimestamp": start.Format(time.RFC3339Nano), "EndTimestamp": end.Format(time.RFC3339Nano)}})
	return string(b)
}

// probeFrames has ffprobe count the video frames of a file; ffmpeg must
// decode it without an error.
func probeFrames(t *testing.T, path string) (codec string, n int) {
	t.Helper()
	out, err := exec.Command(peer.FFprobe(t), "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=codec_name,nb_read_frames", "-of", "json", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", filepath.Base(path), err, out)
	}
	var p struct {
		Streams []struct {
			Codec  string `json:"codec_name"`
			Frames string `json:"nb_read_frames"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &p); err != nil || len(p.Streams) != 1 {
		t.Fatalf("ffprobe: %v %s", err, out)
	}
	if dec, err := exec.Command(peer.FFmpeg(t), "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput(); err != nil || len(dec) > 0 {
		t.Errorf("ffmpeg decoding %s: %v\n%s", filepath.Base(path), err, dec)
	}
	n, _ = strconv.Atoi(p.Streams[0].Frames)
	return p.Streams[0].Codec, n
}

func readFile(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testvideoSecond records a second camera, "cam2", from 2 s of MJPEG.
func testvideoSecond(t *testing.T, r *rig) {
	t.Helper()
	testvideo.Record(t, r.st, "cam2", testvideo.Encode(t, testvideo.Options{Seconds: 2, Video: []string{"-c:v", "mjpeg", "-pix_fmt", "yuvj420p"}}), t0, false)
}
