package frames

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/internal/testvideo"
	"github.com/tidegate/tidegate/video/fragments"
)

// t0 is when the test recordings begin.
var t0 = time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)

// recorded is a camera recorded from an ffmpeg encoding, and the encoding.
type recorded struct {
	st  *fragments.Store
	in  []byte
	rec testvideo.Recorded
}

func record(t *testing.T, o testvideo.Options) *recorded {
	t.Helper()
	st, err := fragments.Open(t.TempDir(), fragments.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	in := testvideo.Encode(t, o)
	return &recorded{st: st, in: in, rec: testvideo.Record(t, st, "cam", in, t0, false)}
}

// reference has ffmpeg decode the original encoding into JPEGs, every
// frame in presentation order (keyframes only with keyframes), encoded
// as Extract's decoder encodes them.
func reference(t *testing.T, in []byte, keyframes bool, quality int) [][]byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.mp4")
	if err := os.WriteFile(path, in, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"-v", "error", "-nostdin"}
	if keyframes {
		args = append(args, "-skip_frame", "nokey")
	}
	args = append(args, "-i", path, "-map", "0:v:0", "-fps_mode", "passthrough", "-f", "image2pipe", "-c:v", "mjpeg",
		"-pix_fmt", "yuvj420p", "-q:v", strconv.Itoa(qscale(quality)), "pipe:1")
	out, err := exec.Command(peer.FFmpeg(t), args...).Output()
	if err != nil {
		t.Fatalf("ffmpeg: %v", err)
	}
	var pics [][]byte
	r := bufio.NewReader(bytes.NewReader(out))
	for {
		p, err := nextJPEG(r)
		if errors.Is(err, io.EOF) {
			return pics
		}
		if err != nil {
			t.Fatal(err)
		}
		pics = append(pics, p)
	}
}

// extract runs a request to its end and returns its pictures.
func extract(t *testing.T, e *Extractor, req Request) []Image {
	t.Helper()
	var out []Image
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := e.Extract(ctx, req, func(im Image) error {
		out = append(out, im)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}
