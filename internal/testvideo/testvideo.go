// Package testvideo makes recordings for the tests of the video read
// paths: ffmpeg encodes a test picture (and a tone) in any codec it has,
// and Record writes its samples into a fragment store as a camera's
// ingest would, so that the store's own fragments, made by the store's
// own recorder, are what the read paths are tested on.
package testvideo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4"

	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/video/fragments"
)

// Options says what Encode makes.
type Options struct {
	Seconds int
	FPS     int    // 25 if zero
	Size    string // "160x120" if empty
	// Video and Audio are ffmpeg's codec arguments ("-c:v", "libx264", ...);
	// Audio nil means no audio track.
	Video, Audio []string
}

// H264 is ffmpeg's arguments for H.264 with a keyframe every gop frames
// and no B-frames.
func H264(gop int) []string {
	return []string{"-c:v", "libx264", "-preset", "ultrafast", "-g", strconv.Itoa(gop), "-pix_fmt", "yuv420p"}
}

// Encode has ffmpeg encode a test picture, with a frame counter burned in
// by testsrc, into a fragmented MP4 (a fragment per keyframe).
func Encode(t testing.TB, o Options) []byte {
	t.Helper()
	bin := peer.FFmpeg(t)
	if o.FPS == 0 {
		o.FPS = 25
	}
	if o.Size == "" {
		o.Size = "160x120"
	}
	out := filepath.Join(t.TempDir(), "in.mp4")
	args := []string{"-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", fmt.Sprintf("testsrc=size=%s:rate=%d", o.Size, o.FPS)}
	if o.Audio != nil {
		args = append(args, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000")
	}
	args = append(append(append(args, "-t", strconv.Itoa(o.Seconds)), o.Video...), o.Audio...)
	args = append(args, "-movflags", "frag_keyframe+empty_moov+default_base_moof+negative_cts_offsets", "-f", "mp4", out)
	if b, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// (negative_cts_offsets makes ffmpeg write its composition offsets in
// version 1 track runs, the ones mediacommon's fmp4 reads.)

// Split cuts a fragmented MP4 into its init segment (the boxes before the
// first moof) and its fragments (each moof and its mdat).
func Split(t testing.TB, b []byte) (init []byte, frags [][]byte) {
	t.Helper()
	off, cur := 0, -1
	for off < len(b) {
		if len(b)-off < 8 {
			t.Fatalf("trailing bytes at %d", off)
		}
		size := int(binary.BigEndian.Uint32(b[off:]))
		typ := string(b[off+4 : off+8])
		if size < 8 || off+size > len(b) {
			t.Fatalf("box %q at %d: size %d", typ, off, size)
		}
		switch {
		case typ == "moof":
			frags = append(frags, append([]byte(nil), b[off:off+size]...))
			cur = len(frags) - 1
		case cur >= 0:
			if typ == "mdat" {
				frags[cur] = append(frags[cur], b[off:off+size]...)
			}
		default:
			init = append(init, b[off:off+size]...)
		}
		off += size
	}
	return init, frags
}

// Recorded is what Record wrote.
type Recorded struct {
	Start, End time.Time // the first frame's receive time, and the last frame's end
	Video      int       // video frames written
	Keyframes  int
	Audio      int // audio frames written
}

// Record writes the samples of a fragmented MP4 (as Encode makes) into a
// camera of st, received from start on at the pace of their decode
// times (without waiting), then closes the recording with a camera
// offline gap. With g711 it adds an 8 kHz µ-law tone in 20 ms frames,
// which ffmpeg cannot put in an MP4.
func Record(t testing.TB, st *fragments.Store, camera string, b []byte, start time.Time, g711 bool) Recorded {
	t.Helper()
	return RecordReceived(t, st, camera, b, start, g711, func(dts time.Duration) time.Time { return start.Add(dts) })
}

// RecordReceived is Record with the receive time of each frame given by
// received, from its decode time: jitter, a late first frame.
func RecordReceived(t testing.TB, st *fragments.Store, camera string, b []byte, start time.Time, g711 bool, received func(time.Duration) time.Time) Recorded {
	t.Helper()
	init, frags := Split(t, b)
	var in fmp4.Init
	if err := in.Unmarshal(bytes.NewReader(init)); err != nil {
		t.Fatalf("init: %v", err)
	}
	var tracks []fragments.Track
	scale := map[int]uint32{}
	for _, it := range in.Tracks {
		tracks = append(tracks, fragments.Track{ID: it.ID, Codec: codecOf(t, it.Codec)})
		scale[it.ID] = it.TimeScale
	}
	g711ID := len(tracks) + 1
	if g711 {
		tracks = append(tracks, fragments.Track{ID: g711ID, Codec: fragments.G711{MuLaw: true}})
	}
	if err := st.Configure(camera, fragments.CameraConfig{}); err != nil {
		t.Fatal(err)
	}
	rec, err := st.Record(camera, tracks)
	if err != nil {
		t.Fatal(err)
	}
	var frames []frameAt
	for _, f := range frags {
		var parts fmp4.Parts
		if err := parts.Unmarshal(f); err != nil {
			t.Fatalf("fragment: %v", err)
		}
		for _, p := range parts {
			for _, pt := range p.Tracks {
				frames = append(frames, samplesOf(t, pt, scale[pt.ID], in.Tracks)...)
			}
		}
	}
	var last time.Duration
	for _, f := range frames {
		last = max(last, f.DTS+40*time.Millisecond)
	}
	if g711 {
		for d := time.Duration(0); d < last; d += 20 * time.Millisecond {
			frames = append(frames, frameAt{Frame: fragments.Frame{Track: g711ID, DTS: d, PTS: d, Payload: bytes.Repeat([]byte{0xff, 0x7f}, 80)}})
		}
	}
	sortByDTS(frames)
	var r Recorded
	r.Start = start
	for _, f := range frames {
		f.Received = received(f.DTS)
		if err := rec.WriteFrame(f.Frame); err != nil {
			t.Fatalf("write frame: %v", err)
		}
		switch {
		case f.video:
			r.Video++
			if f.key {
				r.Keyframes++
			}
		default:
			r.Audio++
		}
	}
	if err := rec.Close(fragments.ReasonCameraOffline, "the test recording ended"); err != nil {
		t.Fatal(err)
	}
	r.End = start.Add(last)
	return r
}

type frameAt struct {
	fragments.Frame
	video, key bool
}

func sortByDTS(f []frameAt) {
	for i := 1; i < len(f); i++ {
		for j := i; j > 0 && f[j].DTS < f[j-1].DTS; j-- {
			f[j], f[j-1] = f[j-1], f[j]
		}
	}
}

func codecOf(t testing.TB, c mp4.Codec) fragments.Codec {
	switch c := c.(type) {
	case *mp4.CodecH264:
		return fragments.H264{SPS: c.SPS, PPS: c.PPS}
	case *mp4.CodecH265:
		return fragments.H265{VPS: c.VPS, SPS: c.SPS, PPS: c.PPS}
	case *mp4.CodecMJPEG:
		return fragments.MJPEG{Width: c.Width, Height: c.Height}
	case *mp4.CodecMPEG4Audio:
		conf, err := c.Config.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return fragments.AAC{Config: conf}
	case *mp4.CodecOpus:
		return fragments.Opus{Channels: c.ChannelCount}
	}
	t.Fatalf("codec %T", c)
	return nil
}

func samplesOf(t testing.TB, pt *fmp4.PartTrack, timescale uint32, tracks []*fmp4.InitTrack) []frameAt {
	var codec mp4.Codec
	for _, it := range tracks {
		if it.ID == pt.ID {
			codec = it.Codec
		}
	}
	ticks := func(v int64) time.Duration { return time.Duration(v) * time.Second / time.Duration(timescale) }
	var out []frameAt
	dts := int64(pt.BaseTime)
	for _, s := range pt.Samples {
		f := frameAt{Frame: fragments.Frame{Track: pt.ID, DTS: ticks(dts), PTS: ticks(dts + int64(s.PTSOffset))}, video: codec.IsVideo(), key: true}
		switch codec.(type) {
		case *mp4.CodecH264, *mp4.CodecH265:
			var au h264.AVCC
			if err := au.Unmarshal(s.Payload); err != nil {
				t.Fatalf("sample: %v", err)
			}
			f.NALUs = au
			// mediacommon reads no first_sample_flags: find the
			// keyframes as the store does.
			_, hevc := codec.(*mp4.CodecH265)
			f.key = (!hevc && h264.IsRandomAccess(au)) || (hevc && h265.IsRandomAccess(au))
		default:
			f.Payload = s.Payload
		}
		out = append(out, f)
		dts += int64(s.Duration)
	}
	return out
}
