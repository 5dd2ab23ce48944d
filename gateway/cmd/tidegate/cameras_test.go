package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/jpeg"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/gateway"
	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/internal/testvideo"
)

// startRecorded runs a gateway in this process with 6 s of H.264 recorded
// as camera "cam" from t0, and returns its URL.
func startRecorded(t *testing.T, t0 time.Time) string {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Listen.HTTP = "127.0.0.1:0"
	cfg.MQTT.Listen = "-"
	cfg.RTSP.Listen = "-"
	g := gateway.New(cfg, slog.New(slog.DiscardHandler), "test")
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Shutdown(context.Background()) })
	testvideo.Record(t, g.VideoStore(), "cam", testvideo.Encode(t, testvideo.Options{Seconds: 6, Video: testvideo.H264(25)}), t0, false)
	return "http://" + g.Addr().String()
}

// tidegate cameras ls, clip and frames against a gateway with a recording:
// the list, a clip that ffprobe plays with every frame, frames that decode.
func TestCamerasCommands(t *testing.T) {
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second).UTC()
	ep := startRecorded(t, t0)
	out := cli(t, ep, "", "cameras", "ls")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "cam ") ||
		!strings.Contains(lines[1], "h264") || !strings.Contains(lines[1], "camera offline since") {
		t.Errorf("cameras ls:\n%s", out)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(cli(t, ep, "", "cameras", "ls", "--json")), &list); err != nil || len(list) != 1 || list[0]["name"] != "cam" {
		t.Errorf("cameras ls --json: %v %v", list, err)
	}

	dir := t.TempDir()
	clip := filepath.Join(dir, "out.mp4")
	out = cli(t, ep, "", "cameras", "clip", "cam", "--start", t0.Format(time.RFC3339), "--end", t0.Add(4*time.Second).Format(time.RFC3339), "-o", clip)
	if !strings.HasPrefix(out, "wrote "+clip) {
		t.Errorf("cameras clip: %q", out)
	}
	probe, err := exec.Command(peer.FFprobe(t), "-v", "error", "-count_frames", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", clip).CombinedOutput()
	if err != nil || strings.TrimSpace(string(probe)) != "100" {
		t.Errorf("ffprobe of the clip: %s %v", probe, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	frames := filepath.Join(dir, "frames")
	out = cli(t, ep, "", "cameras", "frames", "cam", "--every", "1s", "--start", t0.Format(time.RFC3339), "--end", t0.Add(4*time.Second).Format(time.RFC3339), "-o", frames)
	files, _ := filepath.Glob(filepath.Join(frames, "*.jpg"))
	if !strings.HasPrefix(out, "wrote 4 frames") || len(files) != 4 {
		t.Fatalf("cameras frames: %q, files %v", out, files)
	}
	want := "cam_" + t0.Add(time.Second).Format("20060102T150405") + ".000Z_f1_i25.jpg"
	if filepath.Base(files[1]) != want {
		t.Errorf("second frame %s, want %s", filepath.Base(files[1]), want)
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(b)); err != nil || cfg.Width != 160 {
			t.Errorf("%s: %+v %v", f, cfg, err)
		}
	}

	// A camera that does not exist, and a bad time, are one line each.
	cmd := tidegate(t, "cameras", "clip", "nope", "--start", "-1m", "-o", filepath.Join(dir, "x.mp4"))
	cmd.Env = append(cmd.Env, "TIDEGATE_ENDPOINT="+ep)
	if b, err := cmd.CombinedOutput(); exitCode(err) != 1 || !strings.Contains(string(b), "not found") {
		t.Errorf("a clip of no camera: %v %s", err, b)
	}
	cmd = tidegate(t, "cameras", "clip", "cam", "--start", "yesterday", "-o", clip)
	if b, err := cmd.CombinedOutput(); exitCode(err) != 2 || !strings.Contains(string(b), "RFC 3339") {
		t.Errorf("a bad --start: %v %s", err, b)
	}
}

// On a terminal, clip and frames draw their progress on stderr; in a pipe
// they draw nothing.
func TestCamerasProgress(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) from util-linux runs a command on a terminal; not installed")
	}
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second).UTC()
	ep := startRecorded(t, t0)
	dir := t.TempDir()
	bin := tidegate(t).Path
	line := bin + " cameras frames cam --every 200ms --start " + t0.Format(time.RFC3339) + " --end " + t0.Add(6*time.Second).Format(time.RFC3339) + " -o " + dir
	cmd := exec.Command(script, "-qec", line, "/dev/null")
	cmd.Env = append(os.Environ(), "TIDEGATE_TEST_RUN_MAIN=1", "TIDEGATE_ENDPOINT="+ep, "AWS_ACCESS_KEY_ID=", "TIDEGATE_ACCESS_KEY_ID=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("\r\x1b[K30 frames in ")) || !bytes.Contains(out, []byte("wrote 30 frames")) {
		t.Errorf("on a terminal: %q", out)
	}
	cmd = tidegate(t, "cameras", "clip", "cam", "--start", t0.Format(time.RFC3339), "--end", t0.Add(2*time.Second).Format(time.RFC3339), "-o", filepath.Join(dir, "c.mp4"))
	cmd.Env = append(cmd.Env, "TIDEGATE_ENDPOINT="+ep)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || stderr.Len() != 0 {
		t.Errorf("in a pipe: %v, stderr %q", err, stderr.String())
	}
}
