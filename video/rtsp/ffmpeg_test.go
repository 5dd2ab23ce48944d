package rtsp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/video/cameras"
	"github.com/tidegate/tidegate/video/fragments"
)

// probed is what ffprobe reads of a file.
type probed struct {
	Streams []struct {
		Codec  string `json:"codec_name"`
		Type   string `json:"codec_type"`
		Frames string `json:"nb_read_frames"`
	} `json:"streams"`
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

func (p probed) stream(typ string) (codec string, frames int) {
	for _, s := range p.Streams {
		if s.Type == typ {
			n, _ := strconv.Atoi(s.Frames)
			return s.Codec, n
		}
	}
	return "", 0
}

func (p probed) duration() time.Duration {
	d, _ := strconv.ParseFloat(p.Format.Duration, 64)
	return time.Duration(d * float64(time.Second))
}

// ffprobe counts the frames of every stream of an MP4 file and fails the
// test when ffmpeg finds a decoding error in it.
func ffprobe(t testing.TB, b []byte) probed {
	t.Helper()
	path := filepath.Join(t.TempDir(), "clip.mp4")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(peer.FFprobe(t), "-v", "error", "-count_frames", "-show_entries",
		"stream=codec_name,codec_type,nb_read_frames:format=duration", "-of", "json", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, out)
	}
	var p probed
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, out)
	}
	if dec, err := exec.Command(peer.FFmpeg(t), "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput(); err != nil || len(dec) > 0 {
		t.Errorf("ffmpeg decoding the clip: %v\n%s", err, dec)
	}
	return p
}

// ffmpeg publishes H.264 with AAC audio to the gateway's RTSP server over
// TCP and over UDP, with digest authentication: the fragments cover the
// time, and a clip of them has, per ffprobe, every video frame the store
// holds and the duration the store says.
func TestFFmpegPublishes(t *testing.T) {
	for _, transport := range []string{"tcp", "udp"} {
		t.Run(transport, func(t *testing.T) {
			bin := peer.FFmpeg(t)
			peer.FFprobe(t)
			r := newRig(t, publisherSpec("cam", cameras.Login{Username: "pub", Password: "pub-secret"}))
			rtpAddr := ""
			if transport == "udp" {
				rtpAddr = fmt.Sprintf("127.0.0.1:%d", freeRTPPort(t))
			}
			srv := r.serve(t, nil, rtpAddr)
			const seconds, fps = 6, 25
			cmd := exec.Command(bin, "-hide_banner", "-loglevel", "error", "-re",
				"-f", "lavfi", "-i", fmt.Sprintf("testsrc=size=320x240:rate=%d", fps),
				"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000",
				"-t", fmt.Sprint(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
				"-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "32k",
				"-f", "rtsp", "-rtsp_transport", transport, "rtsp://pub:pub-secret@"+srv.Addr().String()+"/cam")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			start := time.Now()
			if err := cmd.Run(); err != nil {
				t.Fatalf("ffmpeg: %v\n%s", err, &stderr)
			}
			waitFor(t, "the recording to close", 10*time.Second, func() bool {
				g := r.gaps(t, "cam")
				return len(g) == 1 && g[0].Reason == fragments.ReasonCameraOffline
			})
			frs := r.fragments(t, "cam")
			if len(frs) < 2 {
				t.Fatalf("%d fragments", len(frs))
			}
			first, last := frs[0], frs[len(frs)-1]
			if first.Server.Before(start) || last.End().Sub(first.Server) < (seconds-1)*time.Second {
				t.Errorf("fragments cover %v from %v, ffmpeg ran %v from %v", last.End().Sub(first.Server), first.Server, time.Since(start), start)
			}
			// ffmpeg's sender reports carry its wall clock, this machine's:
			// the producer times match the receive times.
			withClock := 0
			for _, f := range frs {
				if f.Producer.IsZero() {
					continue
				}
				withClock++
				if d := f.Server.Sub(f.Producer); d < -500*time.Millisecond || d > 500*time.Millisecond {
					t.Errorf("fragment %d: producer %v, server %v", f.Number, f.Producer, f.Server)
				}
			}
			if withClock < len(frs)-1 {
				t.Errorf("%d of %d fragments have ffmpeg's clock", withClock, len(frs))
			}
			video, _ := r.samples(t, "cam", 1)
			if len(video) < seconds*fps-5 {
				t.Errorf("%d video frames stored of %d sent", len(video), seconds*fps)
			}
			info, _ := r.st.Camera("cam")
			if info.Codecs != "h264,aac" {
				t.Errorf("codecs %q", info.Codecs)
			}
			var buf bytes.Buffer
			clip, err := r.st.WriteClip(context.Background(), &buf, "cam", first.Server, last.End())
			if err != nil {
				t.Fatal(err)
			}
			p := ffprobe(t, buf.Bytes())
			codec, frames := p.stream("video")
			if codec != "h264" || frames != len(video) {
				t.Errorf("clip: %s with %d video frames, the store holds %d", codec, frames, len(video))
			}
			if codec, n := p.stream("audio"); codec != "aac" || n == 0 {
				t.Errorf("clip audio: %s, %d frames", codec, n)
			}
			if d := p.duration() - clip.Duration; d < -100*time.Millisecond || d > 100*time.Millisecond {
				t.Errorf("clip lasts %v per ffprobe, %v per the store", p.duration(), clip.Duration)
			}
			if want := time.Duration(len(video)) * time.Second / fps; clip.Duration < want-100*time.Millisecond || clip.Duration > want+100*time.Millisecond {
				t.Errorf("clip lasts %v for %d frames at %d fps", clip.Duration, len(video), fps)
			}
		})
	}
}

// ffmpeg, as a publisher with the wrong password, is refused.
func TestFFmpegRefused(t *testing.T) {
	bin := peer.FFmpeg(t)
	r := newRig(t, publisherSpec("cam", cameras.Login{Username: "pub", Password: "pub-secret"}))
	srv := r.serve(t, nil, "")
	out, err := exec.Command(bin, "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25",
		"-t", "1", "-c:v", "libx264", "-preset", "ultrafast", "-f", "rtsp", "-rtsp_transport", "tcp",
		"rtsp://pub:wrong@"+srv.Addr().String()+"/cam").CombinedOutput()
	if err == nil {
		t.Fatalf("ffmpeg published with a wrong password\n%s", out)
	}
	if !bytes.Contains(out, []byte("401")) {
		t.Errorf("ffmpeg says %s", out)
	}
	if frs := r.fragments(t, "cam"); len(frs) != 0 {
		t.Errorf("%d fragments", len(frs))
	}
}

// ffmpeg publishes each codec pair the store records, H.265 with B-frames
// (decode times differ from presentation times) among them: every stored
// fragment plays, and a clip of them has every video frame per ffprobe.
func TestFFmpegCodecs(t *testing.T) {
	for _, tc := range []struct {
		name         string
		video, audio []string
		codecs       string // as the store names them
		probeV       string
	}{
		{"h265+opus", []string{"-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "keyint=25:bframes=2:log-level=error"},
			[]string{"-c:a", "libopus", "-ar", "48000"}, "hevc,opus", "hevc"},
		{"h264 b-frames+g711u", []string{"-c:v", "libx264", "-preset", "veryfast", "-bf", "2", "-g", "25"},
			[]string{"-c:a", "pcm_mulaw", "-ar", "8000"}, "h264,pcm_s16be", "h264"},
		// RTP/JPEG takes the standard Huffman tables only.
		{"mjpeg+g711a", []string{"-c:v", "mjpeg", "-q:v", "5", "-huffman", "default"},
			[]string{"-c:a", "pcm_alaw", "-ar", "8000"}, "mjpeg,pcm_s16be", "mjpeg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := peer.FFmpeg(t)
			peer.FFprobe(t)
			r := newRig(t, publisherSpec("cam", cameras.Login{}))
			srv := r.serve(t, nil, "")
			args := []string{"-hide_banner", "-loglevel", "error", "-re",
				"-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
				"-t", "5", "-pix_fmt", "yuvj420p"}
			if tc.probeV != "mjpeg" {
				args[len(args)-1] = "yuv420p"
			}
			args = append(append(append(args, tc.video...), tc.audio...), "-f", "rtsp", "-rtsp_transport", "tcp",
				"rtsp://"+srv.Addr().String()+"/cam")
			if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
				t.Fatalf("ffmpeg: %v\n%s", err, out)
			}
			waitFor(t, "the recording to close", 10*time.Second, func() bool { return len(r.gaps(t, "cam")) == 1 })
			if info, _ := r.st.Camera("cam"); info.Codecs != tc.codecs {
				t.Errorf("codecs %q, want %q", info.Codecs, tc.codecs)
			}
			frs := r.fragments(t, "cam")
			if len(frs) < 2 {
				t.Fatalf("%d fragments", len(frs))
			}
			video, _ := r.samples(t, "cam", 1)
			if len(video) < 110 {
				t.Errorf("%d video frames of 125", len(video))
			}
			var buf bytes.Buffer
			clip, err := r.st.WriteClip(context.Background(), &buf, "cam", frs[0].Server, frs[len(frs)-1].End())
			if err != nil {
				t.Fatal(err)
			}
			p := ffprobe(t, buf.Bytes())
			if codec, n := p.stream("video"); codec != tc.probeV || n != len(video) {
				t.Errorf("clip: %s with %d frames; the store has %d", codec, n, len(video))
			}
			if _, n := p.stream("audio"); n == 0 {
				t.Error("clip without audio")
			}
			if d := p.duration() - clip.Duration; d < -150*time.Millisecond || d > 150*time.Millisecond {
				t.Errorf("clip lasts %v per ffprobe, %v per the store", p.duration(), clip.Duration)
			}
		})
	}
}

// ffmpeg, publishing with credentials, is killed with SIGKILL mid-stream
// and publishes again: a gap of reason camera offline, the recording
// resumes by itself, and nothing recorded before the gap is lost.
func TestFFmpegPublisherKilled(t *testing.T) {
	bin := peer.FFmpeg(t)
	r := newRig(t, publisherSpec("cam", cameras.Login{Username: "pub", Password: "pub-secret"}))
	srv := r.serve(t, nil, "")
	publish := func(seconds string) *exec.Cmd {
		args := []string{"-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25"}
		if seconds != "" {
			args = append(args, "-t", seconds)
		}
		args = append(args, "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p",
			"-f", "rtsp", "-rtsp_transport", "tcp", "rtsp://pub:pub-secret@"+srv.Addr().String()+"/cam")
		cmd := exec.Command(bin, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd
	}
	first := publish("")
	waitFor(t, "two fragments", 15*time.Second, func() bool { return len(r.fragments(t, "cam")) >= 2 })
	first.Process.Signal(syscall.SIGKILL)
	waitFor(t, "the gap", 10*time.Second, func() bool {
		g := r.gaps(t, "cam")
		return len(g) == 1 && g[0].Reason == fragments.ReasonCameraOffline && g[0].Open()
	})
	before := r.fragments(t, "cam")
	again := publish("4")
	if err := again.Wait(); err != nil {
		t.Fatalf("ffmpeg again: %v", err)
	}
	waitFor(t, "the recording to resume and close", 10*time.Second, func() bool {
		g := r.gaps(t, "cam")
		return len(r.fragments(t, "cam")) >= len(before)+1 && len(g) == 2 && !g[0].Open()
	})
	after := r.fragments(t, "cam")
	for i, f := range before {
		if after[i] != f {
			t.Errorf("fragment %d changed: %+v → %+v", f.Number, f, after[i])
		}
		if _, err := r.st.ReadFragment("cam", f.Number); err != nil {
			t.Error(err)
		}
	}
	if g := r.gaps(t, "cam")[0]; g.End.After(after[len(before)].Server) {
		t.Errorf("gap %v; the next fragment starts at %v", g, after[len(before)].Server)
	}
}
