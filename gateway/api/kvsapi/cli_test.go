package kvsapi

import (
	"bytes"
	"encoding/base64"
	"image/jpeg"
	"image/png"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The AWS CLI's kinesis-video-archived-media commands (botocore, with the
// service's own model) read the recording: fragments by time, a clip and
// media that ffprobe plays with the frames expected, images at any
// interval with NO_MEDIA where nothing was recorded, and the HLS URL.
func TestCLIArchivedMedia(t *testing.T) {
	r := newRig(t)
	cli := r.cli(t)
	am := func(args ...string) map[string]any {
		return cli.Run(append([]string{"kinesis-video-archived-media"}, args...))
	}

	out := am("list-fragments", "--stream-name", "cam", "--fragment-selector", selectorJSON("SERVER_TIMESTAMP", t0.Add(3*time.Second), t0.Add(6*time.Second)))
	frs := out["Fragments"].([]any)
	var numbers []string
	for _, f := range frs {
		m := f.(map[string]any)
		numbers = append(numbers, m["FragmentNumber"].(string))
		if m["FragmentLengthInMilliseconds"].(float64) != 2000 || m["FragmentSizeInBytes"].(float64) == 0 {
			t.Errorf("fragment %v", m)
		}
	}
	if strings.Join(numbers, ",") != "3,4" {
		t.Errorf("fragments starting from 3 s to 6 s: %v", numbers)
	}
	out = am("list-fragments", "--stream-arn", "arn:aws:kinesisvideo:eu-west-1:123456789012:stream/cam/0", "--max-items", "2",
		"--fragment-selector", selectorJSON("SERVER_TIMESTAMP", t0, t0.Add(time.Hour)))
	if n := len(out["Fragments"].([]any)); n != 2 || out["NextToken"] == nil {
		t.Errorf("two fragments of five: %d, next %v", n, out["NextToken"])
	}
	out = am("list-fragments", "--stream-name", "cam", "--page-size", "2", "--fragment-selector", selectorJSON("SERVER_TIMESTAMP", t0, t0.Add(time.Hour)))
	if n := len(out["Fragments"].([]any)); n != 5 {
		t.Errorf("five fragments two by two: %d", n)
	}

	clip := filepath.Join(t.TempDir(), "clip.mp4")
	out = am("get-clip", "--stream-name", "cam", "--clip-fragment-selector", selectorJSON("SERVER_TIMESTAMP", t0.Add(2*time.Second), t0.Add(6*time.Second)), clip)
	if out["ContentType"] != "video/mp4" {
		t.Errorf("get-clip: %v", out)
	}
	if codec, n := probeFrames(t, clip); codec != "h264" || n != 150 {
		t.Errorf("clip of the fragments starting at 2, 4 and 6 s: %s with %d frames", codec, n)
	}

	mkv := filepath.Join(t.TempDir(), "media.mkv")
	out = am("get-media-for-fragment-list", "--stream-name", "cam", mkv, "--fragments", "2", "3")
	if out["ContentType"] != "video/webm" {
		t.Errorf("get-media-for-fragment-list: %v", out)
	}
	if codec, n := probeFrames(t, mkv); codec != "h264" || n != 100 {
		t.Errorf("media of fragments 2 and 3: %s with %d frames", codec, n)
	}
	if b := readFile(t, mkv); bytes.Count(b, []byte("AWS_KINESISVIDEO_FRAGMENT_NUMBER")) != 2 {
		t.Error("the media lacks a fragment's tags")
	}

	// Every second from 0 to 9 s, four to a page: the CLI pages through.
	out = am("get-images", "--stream-name", "cam", "--image-selector-type", "SERVER_TIMESTAMP", "--start-timestamp", t0.Format(time.RFC3339),
		"--end-timestamp", t0.Add(9*time.Second).Format(time.RFC3339), "--sampling-interval", "1000", "--format", "JPEG", "--page-size", "4")
	images := out["Images"].([]any)
	if len(images) != 10 {
		t.Fatalf("%d images every second of 10 s", len(images))
	}
	for i, im := range images {
		m := im.(map[string]any)
		b, err := base64.StdEncoding.DecodeString(m["ImageContent"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(b)); err != nil || cfg.Width != 160 {
			t.Errorf("image %d: %+v %v", i, cfg, err)
		}
		if at := m["TimeStamp"].(float64); at != float64(t0.Add(time.Duration(i)*time.Second).Unix()) {
			t.Errorf("image %d at %v", i, at)
		}
	}
	// Past the end of the recording: NO_MEDIA; 40 ms, PNG, scaled.
	out = am("get-images", "--stream-name", "cam", "--image-selector-type", "SERVER_TIMESTAMP", "--start-timestamp", t0.Add(8*time.Second).Format(time.RFC3339),
		"--end-timestamp", t0.Add(12*time.Second).Format(time.RFC3339), "--sampling-interval", "1000", "--format", "PNG", "--width-pixels", "80", "--height-pixels", "60")
	var kinds []string
	for _, im := range out["Images"].([]any) {
		m := im.(map[string]any)
		if e, ok := m["Error"].(string); ok {
			kinds = append(kinds, e)
			continue
		}
		b, _ := base64.StdEncoding.DecodeString(m["ImageContent"].(string))
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width != 80 || cfg.Height != 60 {
			t.Errorf("PNG: %+v %v", cfg, err)
		}
		kinds = append(kinds, "image")
	}
	if strings.Join(kinds, ",") != "image,image,NO_MEDIA,NO_MEDIA,NO_MEDIA" {
		t.Errorf("8 s to 12 s of a 10 s recording: %v", kinds)
	}
	out = am("get-images", "--stream-name", "cam", "--image-selector-type", "SERVER_TIMESTAMP", "--start-timestamp", t0.Add(2*time.Second).Format(time.RFC3339),
		"--end-timestamp", t0.Add(3*time.Second).Format(time.RFC3339), "--sampling-interval", "40", "--format", "JPEG", "--max-results", "100")
	if n := len(out["Images"].([]any)); n != 26 {
		t.Errorf("every 40 ms of a second, both ends: %d images", n)
	}

	out = am("get-hls-streaming-session-url", "--stream-name", "cam", "--playback-mode", "ON_DEMAND", "--hls-fragment-selector",
		selectorJSON("SERVER_TIMESTAMP", t0, t0.Add(4*time.Second)))
	want := r.url + "/video/cam/index.m3u8?end=" + strings.ReplaceAll(t0.Add(4*time.Second).Format(time.RFC3339Nano), ":", "%3A") +
		"&start=" + strings.ReplaceAll(t0.Format(time.RFC3339Nano), ":", "%3A")
	if out["HLSStreamingSessionURL"] != want {
		t.Errorf("HLS URL %v, want %s", out["HLSStreamingSessionURL"], want)
	}
}
