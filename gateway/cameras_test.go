package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/video/events"
	"github.com/tidegate/tidegate/video/fragments"
)

func videoFragments(t *testing.T, st *fragments.Store, camera string) []fragments.Fragment {
	t.Helper()
	frs, err := st.Fragments(camera, fragments.Query{})
	if err != nil {
		t.Fatal(err)
	}
	return frs
}

func videoGaps(t *testing.T, st *fragments.Store, camera string) []fragments.Gap {
	t.Helper()
	g, err := st.Gaps(camera, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// fragmentEvents reads the events stream.
func fragmentEvents(t *testing.T, st *shards.Store, stream string) []events.Record {
	t.Helper()
	s, err := st.Stream(stream)
	if err != nil {
		t.Fatal(err)
	}
	var out []events.Record
	for _, sh := range s.Shards() {
		it, _ := s.Iterator(sh.ShardID, shards.TrimHorizon, "", time.Time{})
		for {
			res, err := s.Read(it, shards.MaxRecordsPerRead)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Records {
				var e events.Record
				if err := json.Unmarshal(r.Data, &e); err != nil {
					t.Fatal(err)
				}
				out = append(out, e)
			}
			if len(res.Records) == 0 || res.Closed {
				break
			}
			it = res.Next
		}
	}
	return out
}

// ffmpeg publishes to the gateway's RTSP server: a camera of the
// configuration records it, and each stored fragment has its event in
// the events stream.
func TestCameraRecordsWithEvents(t *testing.T) {
	ffmpeg := peer.FFmpeg(t)
	g := startGateway(t, testConfig(t, "cameras:\n  - {name: door, source: publisher, fragment: 1s}\n"))
	out, err := exec.Command(ffmpeg, "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
		"-t", "4", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p",
		"-f", "rtsp", "-rtsp_transport", "tcp", "rtsp://"+g.RTSPAddr().String()+"/door").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	st := g.VideoStore()
	waitFor(t, "the publisher's gap", func() bool {
		gaps := videoGaps(t, st, "door")
		return len(gaps) == 1 && gaps[0].Reason == fragments.ReasonCameraOffline
	})
	frs := videoFragments(t, st, "door")
	if len(frs) < 3 {
		t.Fatalf("%d fragments", len(frs))
	}
	waitFor(t, "an event per fragment", func() bool { return g.EventsStats().Written == int64(len(frs)) })
	evs := fragmentEvents(t, g.Store(), "video-events")
	if len(evs) != len(frs) {
		t.Fatalf("%d events for %d fragments", len(evs), len(frs))
	}
	for i, f := range frs {
		if e := evs[i]; e.Camera != "door" || e.Fragment != f.Number || !e.Server.Equal(f.Server) || e.Size != f.Size || e.Frames != f.Frames {
			t.Errorf("event %+v for fragment %+v", e, f)
		}
	}
	res, err := http.Get("http://" + g.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{
		fmt.Sprintf("tidegate_camera_fragments_total{camera=\"door\"} %d\n", len(frs)),
		fmt.Sprintf("tidegate_video_events_total{outcome=\"written\"} %d\n", len(frs)),
		"tidegate_camera_gap_open{camera=\"door\",reason=\"camera offline\"} 1\n",
		"tidegate_camera_recording{camera=\"door\"} 0\n",
		"tidegate_camera_sessions_total{camera=\"door\"} 1\n",
		"tidegate_camera_frames_dropped_total{camera=\"door\",stage=\"queue\"} 0\n",
	} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// A reload starts, restarts and stops cameras as the file says; a camera
// that did not change keeps its session, with no gap.
func TestCameraReload(t *testing.T) {
	sim := peer.StartSimCamera(t, "--rtsp-listen", "127.0.0.1:0", "--gop", "12")
	file := func(extra string) string {
		return fmt.Sprintf("cameras:\n  - {name: a, source: %q, transport: tcp, fragment: 1s}\n%s", sim.URL, extra)
	}
	yaml := file("  - {name: b, source: publisher}\n")
	g, logs, reparse := startLogged(t, yaml)
	st := g.VideoStore()
	waitFor(t, "camera a's fragments", func() bool { return len(videoFragments(t, st, "a")) >= 2 })

	applied, restart, err := g.Reload(reparse(file("  - {name: b, source: publisher, retention: 1d}\n  - {name: c, source: publisher}\n")))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"cameras: b changed: retention", "cameras: c added"}; !slices.Equal(applied, want) || restart != nil {
		t.Errorf("report %q, %q; want %q", applied, restart, want)
	}
	if info, _ := st.Camera("b"); info.Config.Retention != 24*time.Hour {
		t.Errorf("b's retention %v", info.Config.Retention)
	}
	if _, ok := g.Cameras().Camera("c"); !ok {
		t.Error("c does not run")
	}
	n := len(videoFragments(t, st, "a"))
	waitFor(t, "camera a to go on", func() bool { return len(videoFragments(t, st, "a")) > n+1 })
	if gaps := videoGaps(t, st, "a"); len(gaps) != 0 || logs.count("camera started", "camera=a") != 1 {
		t.Errorf("camera a was interrupted: gaps %v, started %d times", gaps, logs.count("camera started", "camera=a"))
	}

	applied, _, err = g.Reload(reparse("cameras:\n  - {name: b, source: publisher, retention: 1d}\n  - {name: c, source: publisher}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"cameras: a removed"}; !slices.Equal(applied, want) {
		t.Errorf("report %q; want %q", applied, want)
	}
	gaps := videoGaps(t, st, "a")
	if len(gaps) != 1 || gaps[0].Reason != fragments.ReasonRestart || gaps[0].Detail != "removed from the configuration" {
		t.Errorf("a's gaps %v", gaps)
	}
}

// Stopping the gateway ends a recording with a gap of reason restart;
// the next start picks it up and closes it.
func TestCameraShutdownIsRestart(t *testing.T) {
	sim := peer.StartSimCamera(t, "--rtsp-listen", "127.0.0.1:0")
	cfg := testConfig(t, fmt.Sprintf("cameras:\n  - {name: a, source: %q}\n", sim.URL))
	g := New(cfg, testLogger(), "test")
	if err := g.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a fragment", func() bool { return len(videoFragments(t, g.VideoStore(), "a")) >= 1 })
	if err := g.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	st, err := fragments.Open(filepath.Join(cfg.DataDir, "video"), fragments.Options{})
	if err != nil {
		t.Fatal(err)
	}
	gaps := videoGaps(t, st, "a")
	st.Close()
	if len(gaps) != 1 || gaps[0].Reason != fragments.ReasonRestart || !gaps[0].Open() {
		t.Fatalf("gaps after a clean stop: %v", gaps)
	}
	g = startGateway(t, cfg)
	waitFor(t, "the recording to resume", func() bool {
		gaps := videoGaps(t, g.VideoStore(), "a")
		return len(gaps) == 1 && !gaps[0].Open()
	})
}

// With RTSP off nothing listens, and the cameras that pull still record.
func TestRTSPOff(t *testing.T) {
	sim := peer.StartSimCamera(t, "--rtsp-listen", "127.0.0.1:0")
	cfg := testConfig(t, fmt.Sprintf("cameras:\n  - {name: a, source: %q}\nrtsp: {listen: \"-\"}\n", sim.URL))
	cfg.RTSP.Listen = "-"
	g := startGateway(t, cfg)
	if g.RTSPAddr() != nil {
		t.Errorf("RTSP listens on %v", g.RTSPAddr())
	}
	waitFor(t, "a fragment", func() bool { return len(videoFragments(t, g.VideoStore(), "a")) >= 1 })
	var buf bytes.Buffer
	if _, err := g.VideoStore().WriteClip(t.Context(), &buf, "a", time.Time{}, time.Now()); err != nil {
		t.Error(err)
	}
}
