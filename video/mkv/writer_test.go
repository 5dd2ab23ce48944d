package mkv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/testvideo"
	"github.com/tidegate/tidegate/video/fragments"
)

// writeCamera writes every stored fragment of a camera with a Writer.
func writeCamera(t *testing.T, st *fragments.Store, camera string) ([]byte, []fragments.Fragment) {
	t.Helper()
	frs, err := st.Fragments(camera, fragments.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := NewWriter(&buf, "tidegate-test")
	for _, f := range frs {
		m, err := st.ReadFragment(camera, f.Number)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteFragment(m.Init, m.Data, m.Server, FragmentTags(f.Number, f.Server, f.Producer)); err != nil {
			t.Fatalf("fragment %d: %v", f.Number, err)
		}
	}
	return buf.Bytes(), frs
}

// The store's fragments of each codec pair, written as Matroska, play in
// ffmpeg with every frame the store holds, and each fragment's cluster is
// followed by tags naming it, as Kinesis Video Streams writes them.
func TestWriteFragments(t *testing.T) {
	for _, tc := range []struct {
		name         string
		video, audio []string
		g711         bool
		probeV       string
		probeA       string
	}{
		{"h264 b-frames+aac", []string{"-c:v", "libx264", "-preset", "veryfast", "-bf", "2", "-g", "25", "-pix_fmt", "yuv420p"},
			[]string{"-c:a", "aac", "-b:a", "32k"}, false, "video:h264", "audio:aac"},
		{"h265+opus", []string{"-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "keyint=25:bframes=2:log-level=error", "-pix_fmt", "yuv420p"},
			[]string{"-c:a", "libopus", "-ar", "48000"}, false, "video:hevc", "audio:opus"},
		{"mjpeg+g711", []string{"-c:v", "mjpeg", "-q:v", "5", "-pix_fmt", "yuvj420p"}, nil, true, "video:mjpeg", "audio:pcm_s16be"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := fragments.Open(t.TempDir(), fragments.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			in := testvideo.Encode(t, testvideo.Options{Seconds: 6, Video: tc.video, Audio: tc.audio})
			start := time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)
			rec := testvideo.Record(t, st, "cam", in, start, tc.g711)
			out, frs := writeCamera(t, st, "cam")
			if len(frs) < 3 {
				t.Fatalf("%d fragments", len(frs))
			}
			path := filepath.Join(t.TempDir(), "out.mkv")
			if err := os.WriteFile(path, out, 0o600); err != nil {
				t.Fatal(err)
			}
			got := probe(t, path)
			stored := 0
			for _, f := range frs {
				stored += f.Frames
			}
			if got[tc.probeV] != rec.Video || got[tc.probeV]+got[tc.probeA] != stored {
				t.Errorf("ffprobe reads %v; the store holds %d frames, %d of them video", got, stored, rec.Video)
			}
			els, err := walk(out)
			if err != nil {
				t.Fatal(err)
			}
			tags := tagsOf(els)
			if len(tags) != len(frs) || count(els, idEBML) != 1 {
				t.Fatalf("%d Tags for %d fragments, %d EBML headers", len(tags), len(frs), count(els, idEBML))
			}
			for i, f := range frs {
				want := []Tag{{TagFragmentNumber, strconv.FormatUint(f.Number, 10)}, {TagServerTimestamp, Timestamp(f.Server)}}
				if len(tags[i]) != 2 || tags[i][0] != want[0] || tags[i][1] != want[1] {
					t.Errorf("fragment %d: tags %v, want %v", f.Number, tags[i], want)
				}
			}
			var prev uint64
			for _, e := range els {
				if e.id != idTimestamp {
					continue
				}
				tc := readUint(e.data)
				if tc < prev {
					t.Errorf("cluster timestamp %d after %d", tc, prev)
				}
				prev = tc
			}
			if first := uint64(frs[0].Server.UnixMilli()); count(els, idCluster) < len(frs) || readUint(firstOf(els, idTimestamp).data) != first {
				t.Errorf("%d clusters; first timestamp %d, want %d", count(els, idCluster), readUint(firstOf(els, idTimestamp).data), first)
			}
		})
	}
}

// A new init segment (the camera's picture size changed) starts a new
// EBML document, whose Tracks say so.
func TestWriteNewInit(t *testing.T) {
	st, err := fragments.Open(t.TempDir(), fragments.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)
	testvideo.Record(t, st, "cam", testvideo.Encode(t, testvideo.Options{Seconds: 4, Video: testvideo.H264(25)}), start, false)
	testvideo.Record(t, st, "cam", testvideo.Encode(t, testvideo.Options{Seconds: 4, Size: "320x240", Video: testvideo.H264(25)}),
		start.Add(time.Minute), false)
	out, frs := writeCamera(t, st, "cam")
	els, err := walk(out)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(els, idEBML); n != 2 {
		t.Errorf("%d EBML headers for two inits", n)
	}
	var widths []uint64
	for _, e := range els {
		if e.id == idPixelWidth {
			widths = append(widths, readUint(e.data))
		}
	}
	if len(widths) != 2 || widths[0] != 160 || widths[1] != 320 {
		t.Errorf("widths %v", widths)
	}
	if len(tagsOf(els)) != len(frs) {
		t.Errorf("%d Tags for %d fragments", len(tagsOf(els)), len(frs))
	}
}

// A fragment that does not parse is refused whole: nothing is written.
func TestWriteRefusesDamage(t *testing.T) {
	init, frags := testvideo.Split(t, readTestdata(t))
	var buf bytes.Buffer
	w := NewWriter(&buf, "test")
	if err := w.WriteFragment(init, frags[0][:len(frags[0])/2], time.Now(), nil); !errors.Is(err, ErrMalformed) {
		t.Error("half a fragment was written")
	}
	if buf.Len() != 0 {
		t.Errorf("%d bytes written for a refused fragment", buf.Len())
	}
	if err := w.WriteFragment(init[:len(init)-20], frags[0], time.Now(), nil); !errors.Is(err, ErrMalformed) || buf.Len() != 0 {
		t.Errorf("a damaged init: %v, %d bytes", err, buf.Len())
	}
	if err := w.WriteFragment(init, frags[0], time.Now(), nil); err != nil || buf.Len() == 0 {
		t.Errorf("the whole fragment: %v", err)
	}
}

// The variable-size integers are the shortest that hold the value, and
// never the all-ones value reserved for an unknown size.
func TestAppendSize(t *testing.T) {
	for _, tc := range []struct {
		n    uint64
		want []byte
	}{
		{0, []byte{0x80}}, {126, []byte{0xFE}}, {127, []byte{0x40, 0x7F}}, {16382, []byte{0x7F, 0xFE}},
		{16383, []byte{0x20, 0x3F, 0xFF}},
	} {
		if got := appendSize(nil, tc.n); !bytes.Equal(got, tc.want) {
			t.Errorf("%d: %x, want %x", tc.n, got, tc.want)
		}
		if v, n, err := readVint(tc.want, false); err != nil || v != tc.n || n != len(tc.want) {
			t.Errorf("%x reads back as %d (%d bytes, %v)", tc.want, v, n, err)
		}
	}
}

func readTestdata(t testing.TB) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "h264-aac.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readUint(b []byte) uint64 {
	var buf [8]byte
	copy(buf[8-len(b):], b)
	return binary.BigEndian.Uint64(buf[:])
}

func firstOf(els []element, id uint32) element {
	for _, e := range els {
		if e.id == id {
			return e
		}
	}
	return element{}
}
