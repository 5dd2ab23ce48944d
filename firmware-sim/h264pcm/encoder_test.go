package h264pcm

import (
	"bytes"
	"encoding/json"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"

	"github.com/tidegate/tidegate/firmware-sim/testcard"
	"github.com/tidegate/tidegate/internal/peer"
)

func TestExpGolomb(t *testing.T) {
	for _, tc := range []struct {
		ue   uint32
		bits string
	}{{0, "1"}, {1, "010"}, {2, "011"}, {3, "00100"}, {7, "0001000"}, {25, "000011010"}} {
		var w bitWriter
		w.ue(tc.ue)
		if got := w.String(); got != tc.bits {
			t.Errorf("ue(%d) = %s, want %s", tc.ue, got, tc.bits)
		}
	}
	for _, tc := range []struct {
		se   int32
		bits string
	}{{0, "1"}, {1, "010"}, {-1, "011"}, {2, "00100"}, {-2, "00101"}} {
		var w bitWriter
		w.se(tc.se)
		if got := w.String(); got != tc.bits {
			t.Errorf("se(%d) = %s, want %s", tc.se, got, tc.bits)
		}
	}
}

// String shows the bits written, for tests.
func (w *bitWriter) String() string {
	var b []byte
	for _, x := range w.buf {
		for i := 7; i >= 0; i-- {
			b = append(b, '0'+x>>i&1)
		}
	}
	for i := int(w.n) - 1; i >= 0; i-- {
		b = append(b, '0'+w.cur>>i&1)
	}
	return string(b)
}

func TestEmulationPrevention(t *testing.T) {
	w := bitWriter{buf: []byte{0, 0, 0, 0, 0, 1, 0, 0, 4, 0, 0, 3}}
	want := []byte{0x41, 0, 0, 3, 0, 0, 3, 0, 1, 0, 0, 4, 0, 0, 3, 3}
	if got := w.nal(0x41); !bytes.Equal(got, want) {
		t.Errorf("got % x, want % x", got, want)
	}
}

// The parameter sets parse as mediacommon (and so the fragment store)
// reads them, with the size and frame rate given.
func TestParameterSets(t *testing.T) {
	for _, tc := range []struct {
		w, h int
		fps  float64
	}{{320, 240, 25}, {640, 360, 30}, {170, 98, 12.5}} {
		e, err := New(tc.w, tc.h, tc.fps, 25)
		if err != nil {
			t.Fatal(err)
		}
		var sps h264.SPS
		if err := sps.Unmarshal(e.SPS()); err != nil {
			t.Fatalf("%dx%d: %v", tc.w, tc.h, err)
		}
		if sps.Width() != tc.w || sps.Height() != tc.h || sps.FPS() != tc.fps || sps.ProfileIdc != 66 {
			t.Errorf("SPS says %dx%d at %v fps, profile %d; want %dx%d at %v", sps.Width(), sps.Height(), sps.FPS(), sps.ProfileIdc, tc.w, tc.h, tc.fps)
		}
	}
	if _, err := New(15, 16, 25, 25); err == nil {
		t.Error("an odd size was taken")
	}
}

// encodeCard encodes n frames of the test card and returns them as an
// Annex B stream, with the pictures drawn.
func encodeCard(t *testing.T, w, h, n, gop int) ([]byte, [][]byte, int) {
	t.Helper()
	card, err := testcard.New(w, h)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(w, h, 25, gop)
	if err != nil {
		t.Fatal(err)
	}
	var stream []byte
	var pictures [][]byte
	idrs := 0
	start := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for i := range n {
		img := card.Draw(int64(i), start.Add(time.Duration(i)*40*time.Millisecond))
		au, idr, err := e.Encode(img)
		if err != nil {
			t.Fatal(err)
		}
		if idr {
			idrs++
		}
		if got := h264.IsRandomAccess(au); got != idr {
			t.Fatalf("frame %d: random access %v, IDR %v", i, got, idr)
		}
		b, err := h264.AnnexB(au).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		stream = append(stream, b...)
		pictures = append(pictures, yuv(img))
	}
	return stream, pictures, idrs
}

// yuv is the picture as ffmpeg's rawvideo yuv420p writes it.
func yuv(img *image.YCbCr) []byte {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	var b []byte
	for y := range h {
		b = append(b, img.Y[y*img.YStride:y*img.YStride+w]...)
	}
	for _, p := range [][]byte{img.Cb, img.Cr} {
		for y := range h / 2 {
			b = append(b, p[y*img.CStride:y*img.CStride+w/2]...)
		}
	}
	return b
}

// ffmpeg decodes the stream without an error, and every picture it
// decodes is the one drawn, sample for sample (I_PCM and P_Skip are
// lossless), zeros aside, which the encoder raises to one.
func TestFFmpegDecodes(t *testing.T) {
	ffmpeg, ffprobe := peer.FFmpeg(t), peer.FFprobe(t)
	for _, tc := range []struct{ w, h, n, gop int }{{320, 240, 60, 25}, {330, 202, 30, 10}} {
		stream, pictures, idrs := encodeCard(t, tc.w, tc.h, tc.n, tc.gop)
		if want := (tc.n + tc.gop - 1) / tc.gop; idrs != want {
			t.Errorf("%d IDR pictures, want %d", idrs, want)
		}
		path := filepath.Join(t.TempDir(), "card.h264")
		if err := os.WriteFile(path, stream, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(ffprobe, "-v", "error", "-count_frames", "-show_entries",
			"stream=codec_name,profile,width,height,nb_read_frames,r_frame_rate", "-of", "json", path).CombinedOutput()
		if err != nil {
			t.Fatalf("ffprobe: %v\n%s", err, out)
		}
		var p struct {
			Streams []struct {
				Codec   string `json:"codec_name"`
				Profile string `json:"profile"`
				Width   int    `json:"width"`
				Height  int    `json:"height"`
				Frames  string `json:"nb_read_frames"`
				Rate    string `json:"r_frame_rate"`
			} `json:"streams"`
		}
		if err := json.Unmarshal(out, &p); err != nil || len(p.Streams) != 1 {
			t.Fatalf("ffprobe: %v\n%s", err, out)
		}
		s := p.Streams[0]
		if s.Codec != "h264" || s.Width != tc.w || s.Height != tc.h || s.Frames != itoa(tc.n) || s.Rate != "25/1" {
			t.Errorf("ffprobe: %+v", s)
		}
		var stderr bytes.Buffer
		cmd := exec.Command(ffmpeg, "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "yuv420p", "-")
		cmd.Stderr = &stderr
		raw, err := cmd.Output()
		if err != nil || stderr.Len() > 0 {
			t.Fatalf("ffmpeg: %v\n%s", err, &stderr)
		}
		size := tc.w * tc.h * 3 / 2
		if len(raw) != size*tc.n {
			t.Fatalf("ffmpeg decoded %d bytes, want %d frames of %d", len(raw), tc.n, size)
		}
		for i, want := range pictures {
			got := raw[i*size : (i+1)*size]
			for j := range want {
				if want[j] == 0 {
					want[j] = 1
				}
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%dx%d frame %d decodes to another picture", tc.w, tc.h, i)
			}
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// A P picture sends only what changed: far fewer bytes than an IDR.
func TestSkips(t *testing.T) {
	e, _ := New(320, 240, 25, 100)
	card, _ := testcard.New(320, 240)
	start := time.Now()
	idr, _, _ := e.Encode(card.Draw(0, start))
	p, key, _ := e.Encode(card.Draw(1, start.Add(40*time.Millisecond)))
	if key || len(p[0])*4 > len(idr[2]) {
		t.Errorf("P picture of %d bytes after an IDR of %d", len(p[0]), len(idr[2]))
	}
	same, _, _ := e.Encode(card.Draw(1, start.Add(40*time.Millisecond)))
	if len(same[0]) > 8 {
		t.Errorf("an unchanged picture takes %d bytes", len(same[0]))
	}
}
