package fragments

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"

	"github.com/tidegate/tidegate/internal/peer"
)

// streams returns the codec and packet count of every stream of a file.
func streams(t *testing.T, path string) map[string]int {
	t.Helper()
	out, err := exec.Command(peer.FFprobe(t), "-v", "error", "-count_packets", "-show_entries",
		"stream=codec_name,nb_read_packets", "-of", "json", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, out)
	}
	var res struct {
		Streams []struct {
			Codec   string `json:"codec_name"`
			Packets string `json:"nb_read_packets"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	m := map[string]int{}
	for _, s := range res.Streams {
		m[s.Codec], _ = strconv.Atoi(s.Packets)
	}
	return m
}

func aacFrames(t *testing.T) (AAC, [][]byte) {
	raw, err := os.ReadFile(filepath.Join("testdata", "clip.aac"))
	if err != nil {
		t.Fatal(err)
	}
	var pkts mpeg4audio.ADTSPackets
	if err := pkts.Unmarshal(raw); err != nil {
		t.Fatal(err)
	}
	conf, err := mpeg4audio.AudioSpecificConfig{Type: pkts[0].Type, SampleRate: pkts[0].SampleRate,
		ChannelCount: pkts[0].ChannelCount}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var aus [][]byte
	for _, p := range pkts {
		aus = append(aus, p.AU)
	}
	return AAC{Config: conf}, aus
}

// TestAudioAlongside records H.264 with AAC, G.711 and Opus tracks, frames
// interleaved as an ingest hands them over, and ffprobe reads every track
// of the segment file with every packet.
func TestAudioAlongside(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	m := media(t)
	aac, aus := aacFrames(t)
	tracks := []Track{m.track(), {ID: 2, Codec: aac}, {ID: 3, Codec: G711{MuLaw: true}}, {ID: 4, Codec: Opus{Channels: 1}}}
	r, err := s.Record("cam", tracks)
	if err != nil {
		t.Fatal(err)
	}
	const video = 150 // 6 s
	var nAAC, nG711, nOpus int
	for i := 0; i < video; i++ {
		v := m.frame(i, t0)
		if err := r.WriteFrame(v); err != nil {
			t.Fatal(err)
		}
		next := v.DTS + 40*time.Millisecond
		for ; time.Duration(nAAC)*1024*time.Second/16000 < next; nAAC++ {
			d := time.Duration(nAAC) * 1024 * time.Second / 16000
			r.WriteFrame(Frame{Track: 2, DTS: d, PTS: d, Payload: aus[nAAC%len(aus)], Received: t0.Add(d)})
		}
		for ; time.Duration(nG711)*20*time.Millisecond < next; nG711++ {
			d := time.Duration(nG711) * 20 * time.Millisecond
			r.WriteFrame(Frame{Track: 3, DTS: d, PTS: d, Payload: make([]byte, 160), Received: t0.Add(d)})
		}
		for ; time.Duration(nOpus)*20*time.Millisecond < next; nOpus++ {
			d := time.Duration(nOpus) * 20 * time.Millisecond
			// A 20 ms CELT frame's TOC and a few bytes: ffprobe counts it.
			r.WriteFrame(Frame{Track: 4, DTS: d, PTS: d, Payload: []byte{0xf8, 0xff, 0xfe}, Received: t0.Add(d)})
		}
	}
	r.Close("", "")
	frs, _ := s.Fragments("cam", Query{})
	total := 0
	for _, f := range frs {
		total += f.Frames
	}
	if want := video + nAAC + nG711 + nOpus; total != want {
		t.Errorf("fragments hold %d frames, %d were written", total, want)
	}
	got := streams(t, segmentPath(filepath.Join(dir, "cameras", "cam"), 1))
	want := map[string]int{"h264": video, "aac": nAAC, "pcm_s16be": nG711, "opus": nOpus}
	for codec, n := range want {
		if got[codec] != n {
			t.Errorf("%s: ffprobe reads %d packets, %d were written (all: %v)", codec, got[codec], n, got)
		}
	}
	info, _ := s.Camera("cam")
	if info.Codecs != "h264,aac,pcm_s16be,opus" {
		t.Errorf("codecs %q", info.Codecs)
	}
}

func TestH265(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "clip.h265"))
	if err != nil {
		t.Fatal(err)
	}
	var nalus h264.AnnexB // the same start codes
	if err := nalus.Unmarshal(raw); err != nil {
		t.Fatal(err)
	}
	var c H265
	var aus [][][]byte
	var au [][]byte
	for _, n := range nalus {
		switch typ := (n[0] >> 1) & 0x3f; {
		case typ == 32:
			c.VPS = n
		case typ == 33:
			c.SPS = n
		case typ == 34:
			c.PPS = n
		case typ < 32:
			aus = append(aus, append(au, n))
			au = nil
		default:
			au = append(au, n)
		}
	}
	if len(aus) != 50 {
		t.Fatalf("%d access units in testdata/clip.h265", len(aus))
	}
	s := openStore(t, t.TempDir(), Options{})
	r, err := s.Record("cam", []Track{{ID: 1, Codec: c}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		d := time.Duration(i) * 40 * time.Millisecond
		if err := r.WriteFrame(Frame{Track: 1, DTS: d, PTS: d, NALUs: aus[i%50], Received: t0.Add(d)}); err != nil {
			t.Fatal(err)
		}
	}
	r.Close("", "")
	frs, _ := s.Fragments("cam", Query{})
	if len(frs) != 2 || frs[0].Frames != 50 || frs[0].Keyframes != 2 {
		t.Fatalf("fragments %+v", frs)
	}
	for _, f := range frs {
		md, err := s.ReadFragment("cam", f.Number)
		if err != nil {
			t.Fatal(err)
		}
		if p := ffprobeBytes(t, md.Init, md.Data); p.Codec != "hevc" || p.Frames != 50 {
			t.Errorf("fragment %d plays as %+v", f.Number, p)
		}
	}
}
