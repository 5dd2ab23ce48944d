package fragments

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"

	"github.com/tidegate/tidegate/internal/peer"
)

// testMedia is the H.264 clip of testdata split into access units.
type testMedia struct {
	sps, pps []byte
	aus      [][][]byte // 50 frames; IDR at 0 and 25
}

var loadMedia = sync.OnceValues(func() (*testMedia, error) {
	raw, err := os.ReadFile(filepath.Join("testdata", "clip.h264"))
	if err != nil {
		return nil, err
	}
	var nalus h264.AnnexB
	if err := nalus.Unmarshal(raw); err != nil {
		return nil, err
	}
	m := &testMedia{}
	var au [][]byte
	for _, n := range nalus {
		switch h264.NALUType(n[0] & 0x1f) {
		case h264.NALUTypeSPS:
			m.sps = n
		case h264.NALUTypePPS:
			m.pps = n
		case h264.NALUTypeIDR, h264.NALUTypeNonIDR:
			au = append(au, n)
			m.aus = append(m.aus, au)
			au = nil
		default:
			au = append(au, n)
		}
	}
	return m, nil
})

func media(t testing.TB) *testMedia {
	t.Helper()
	m, err := loadMedia()
	if err != nil || len(m.aus) != 50 || m.sps == nil {
		t.Fatalf("testdata/clip.h264: %v (%d frames)", err, len(m.aus))
	}
	return m
}

func (m *testMedia) track() Track { return Track{ID: 1, Codec: H264{SPS: m.sps, PPS: m.pps}} }

// frame returns frame i of an endless loop of the clip at 25 fps: an IDR
// every 25 frames, as the clip has.
func (m *testMedia) frame(i int, base time.Time) Frame {
	d := time.Duration(i) * 40 * time.Millisecond
	return Frame{Track: 1, DTS: d, PTS: d, NALUs: m.aus[i%len(m.aus)], Received: base.Add(d)}
}

// quietLogger logs warnings and errors into the test log.
func quietLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testLogWriter struct{ t testing.TB }

func (w testLogWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func openStore(t testing.TB, dir string, opts Options) *Store {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quietLogger(t)
	}
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// probe is what ffprobe says of a file's first video stream.
type probe struct {
	Codec    string
	Frames   int
	Start    time.Duration // of the first sample: a fragment's decode time
	Duration time.Duration // from Start
}

// probeFrames returns the number of video frames ffprobe decodes.
func probeFrames(bin, path string) (int, error) {
	out, err := exec.Command(bin, "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("ffprobe %s: %v: %s", path, err, out)
	}
	return strconv.Atoi(strings.TrimSpace(string(out)))
}

func ffprobe(t testing.TB, path string) probe {
	t.Helper()
	bin := peer.FFprobe(t)
	out, err := exec.Command(bin, "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=codec_name,nb_read_frames:format=duration,start_time", "-of", "json", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, out)
	}
	var res struct {
		Streams []struct {
			Codec  string `json:"codec_name"`
			Frames string `json:"nb_read_frames"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
			Start    string `json:"start_time"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res.Streams) != 1 {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, out)
	}
	var p probe
	p.Codec = res.Streams[0].Codec
	p.Frames, _ = strconv.Atoi(res.Streams[0].Frames)
	if d, err := strconv.ParseFloat(res.Format.Start, 64); err == nil {
		p.Start = time.Duration(d * float64(time.Second))
	}
	if d, err := strconv.ParseFloat(res.Format.Duration, 64); err == nil {
		p.Duration = time.Duration(d*float64(time.Second)) - p.Start
	}
	return p
}

// ffprobeBytes writes b to a file and probes it; it also fails the test if
// ffmpeg reports a decoding error.
func ffprobeBytes(t testing.TB, b ...[]byte) probe {
	t.Helper()
	path := filepath.Join(t.TempDir(), "media.mp4")
	if err := os.WriteFile(path, bytes.Join(b, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	return ffprobe(t, path)
}

func near(a, b, tol time.Duration) bool { return a-b <= tol && b-a <= tol }
