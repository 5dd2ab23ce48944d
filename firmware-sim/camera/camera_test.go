package camera

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/peer"
)

// runCamera starts a camera and returns its URL once it serves.
func runCamera(t *testing.T, o Options) string {
	t.Helper()
	ready := make(chan string, 1)
	o.Ready = func(u string) { ready <- u }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, o) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("camera: %v", err)
		}
	})
	select {
	case u := <-ready:
		return u
	case err := <-done:
		t.Fatalf("camera: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("camera did not start")
	}
	return ""
}

// ffprobe reads n frames of a URL and returns what it found.
func probeURL(t *testing.T, url, transport string, n int) (codec string, w, h, frames int) {
	t.Helper()
	out, err := exec.Command(peer.FFprobe(t), "-v", "error", "-rtsp_transport", transport, "-read_intervals", fmt.Sprintf("%%+#%d", n),
		"-count_frames", "-select_streams", "v:0", "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "csv=p=0", url).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", url, err, out)
	}
	f := strings.Split(strings.TrimSpace(string(out)), ",")
	if len(f) != 4 {
		t.Fatalf("ffprobe: %s", out)
	}
	w, _ = strconv.Atoi(f[1])
	h, _ = strconv.Atoi(f[2])
	frames, _ = strconv.Atoi(f[3])
	return f[0], w, h, frames
}

// ffmpeg plays the served camera, H.264 and MJPEG, over TCP and UDP, drawn
// live or pre-encoded, and decodes every frame without an error (75 frames:
// a pre-encoded loop of two GOPs wraps).
func TestServe(t *testing.T) {
	for _, tc := range []struct {
		codec, transport string
		preencoded       bool
	}{
		{CodecH264, "tcp", false}, {CodecH264, "udp", false}, {CodecMJPEG, "tcp", false},
		{CodecH264, "tcp", true}, {CodecMJPEG, "tcp", true}, // a load generator's loop plays through its wraps
	} {
		t.Run(fmt.Sprintf("%s/%s/preencoded=%v", tc.codec, tc.transport, tc.preencoded), func(t *testing.T) {
			ffmpeg := peer.FFmpeg(t)
			o := Options{Codec: tc.codec, Listen: "127.0.0.1:0", Width: 320, Height: 240, Preencoded: tc.preencoded}
			if tc.transport == "udp" {
				o.RTPAddress = fmt.Sprintf("127.0.0.1:%d", freeRTPPort(t))
			}
			url := runCamera(t, o)
			codec, w, h, _ := probeURL(t, url, tc.transport, 5)
			if codec != tc.codec || w != 320 || h != 240 {
				t.Errorf("ffprobe: %s %dx%d", codec, w, h)
			}
			var stderr bytes.Buffer
			cmd := exec.Command(ffmpeg, "-v", "error", "-rtsp_transport", tc.transport, "-i", url, "-frames:v", "75", "-f", "null", "-")
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil || stderr.Len() > 0 {
				t.Errorf("ffmpeg decoding 50 frames: %v\n%s", err, &stderr)
			}
		})
	}
}

// A camera with credentials plays for them, over basic or digest, and
// refuses a wrong password.
func TestServeAuth(t *testing.T) {
	ffprobe := peer.FFprobe(t)
	for _, method := range []string{"basic", "digest"} {
		url := runCamera(t, Options{Listen: "127.0.0.1:0", Username: "admin", Password: "cam-secret", Auth: method})
		good := strings.Replace(url, "rtsp://", "rtsp://admin:cam-secret@", 1)
		if out, err := exec.Command(ffprobe, "-v", "error", "-rtsp_transport", "tcp", good).CombinedOutput(); err != nil {
			t.Errorf("%s with the password: %v\n%s", method, err, out)
		}
		bad := strings.Replace(url, "rtsp://", "rtsp://admin:wrong@", 1)
		if out, err := exec.Command(ffprobe, "-v", "error", "-rtsp_transport", "tcp", bad).CombinedOutput(); err == nil || !bytes.Contains(out, []byte("401")) {
			t.Errorf("%s with a wrong password: %v\n%s", method, err, out)
		}
	}
}

// The camera pushes to ffmpeg acting as an RTSP server (-rtsp_flags
// listen), which records what it gets.
func TestPush(t *testing.T) {
	ffmpeg := peer.FFmpeg(t)
	port := peer.FreePort(t)
	url := fmt.Sprintf("rtsp://127.0.0.1:%d/cam", port)
	var stderr bytes.Buffer
	cmd := exec.Command(ffmpeg, "-v", "error", "-rtsp_flags", "listen", "-timeout", "10", "-i", url, "-frames:v", "40", "-f", "null", "-")
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Until ffmpeg listens the camera's pushes fail, and it tries again.
	runCamera(t, Options{Push: url, Width: 160, Height: 120})
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil || stderr.Len() > 0 {
			t.Errorf("ffmpeg: %v\n%s", err, &stderr)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("ffmpeg did not get 40 frames\n%s", &stderr)
	}
}

// freeRTPPort returns an even UDP port whose successor is free too.
func freeRTPPort(t *testing.T) int {
	t.Helper()
	for range 100 {
		a, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := a.LocalAddr().(*net.UDPAddr).Port &^ 1
		a.Close()
		a, err1 := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		b, err2 := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port+1))
		if a != nil {
			a.Close()
		}
		if b != nil {
			b.Close()
		}
		if err1 == nil && err2 == nil && port > 1024 {
			return port
		}
	}
	t.Fatal("no free pair of UDP ports")
	return 0
}

func TestOptions(t *testing.T) {
	for _, o := range []Options{
		{Listen: "x", Push: "y"},
		{},
		{Listen: "x", Codec: "vp8"},
		{Listen: "x", FPS: -1},
		{Listen: "x", Auth: "ntlm"},
		{Listen: "x", Width: 33, Height: 48},
	} {
		if err := Run(context.Background(), o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}
