package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tidegate/tidegate/gateway"
	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/video/fragments"
)

// VideoOptions configures the video ingest benchmark.
type VideoOptions struct {
	Dir      string        // where the gateway keeps its temporary data
	Cameras  int           // simulated cameras pushing over RTSP
	Duration time.Duration // how long the measurement runs, once every camera records
	// FirmwareSim is the firmware-sim binary that runs the cameras, in a
	// process of its own so that its CPU is not the gateway's.
	FirmwareSim string
	// Size is the cameras' picture, which sets their bitrate: 336x240 of
	// the simulator's H.264 is about 2 Mbit/s.
	Size string
}

// DefaultVideoOptions are the settings the targets are stated for.
func DefaultVideoOptions() VideoOptions {
	return VideoOptions{Dir: ".", Cameras: 16, Duration: 30 * time.Second, Size: "336x240"}
}

// VideoResult is what `tidegate bench video --json` prints.
type VideoResult struct {
	Cameras int `json:"cameras"`
	// CPUPerCameraPct is the gateway process's CPU time over the
	// measurement, as % of one core, per camera.
	CPUPerCameraPct float64 `json:"cpu_per_camera_pct"`
	// WriteAmplification is the bytes the gateway process wrote to
	// storage per byte of media received (fragment files, index, fragment
	// events).
	WriteAmplification float64 `json:"write_amplification"`
	// DroppedFrames counts frames received and not stored, over the run.
	DroppedFrames int64   `json:"dropped_frames"`
	RSSMB         float64 `json:"rss_mb"` // the gateway process's resident set at the end
	// PublishToDurableMs is, for one camera, the median time from the
	// publish of the frame that closes a fragment (the next keyframe) to
	// the fragment being fsync'd and readable.
	PublishToDurableMs float64 `json:"publish_to_durable_ms"`
	P99ToDurableMs     float64 `json:"publish_to_durable_p99_ms"`
	CameraMbps         float64 `json:"camera_mbit_s"` // media received per camera, Mbit/s
	FramesReceived     int64   `json:"frames_received"`
	Fragments          int64   `json:"fragments"`
	DurationSec        float64 `json:"duration_s"`
}

// Video measures N simulated 2 Mbit/s H.264 cameras pushing over RTSP into
// a gateway run in this process, recording to disk: the gateway's CPU per
// camera, its write amplification, dropped frames, memory, and one
// camera's latency from publish to durable fragment. The cameras run in a
// firmware-sim process sending pre-encoded video.
func Video(ctx context.Context, o VideoOptions) (VideoResult, error) {
	res := VideoResult{Cameras: o.Cameras}
	if o.Cameras < 1 || o.Duration <= 0 {
		return res, errors.New("bench: video: cameras and duration must be positive")
	}
	if o.FirmwareSim == "" {
		return res, errors.New("bench: video: no firmware-sim binary to run the cameras")
	}
	tmp, err := os.MkdirTemp(o.Dir, "tidegate-bench-video-*")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(tmp)
	var yaml strings.Builder
	yaml.WriteString("cameras:\n")
	for n := 1; n <= o.Cameras; n++ {
		fmt.Fprintf(&yaml, "  - {name: cam%d, source: publisher, events_stream: video-events}\n", n)
	}
	cfg, err := config.Parse("bench.yaml", []byte(yaml.String()), nil)
	if err != nil {
		return res, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	rtspAddr := ln.Addr().String()
	ln.Close()
	cfg.DataDir, cfg.Listen.HTTP, cfg.MQTT.Listen, cfg.RTSP.Listen = tmp, "127.0.0.1:0", "-", rtspAddr
	g := gateway.New(cfg, slog.New(slog.DiscardHandler), "bench")
	if err := g.Start(ctx); err != nil {
		return res, err
	}
	defer g.Shutdown(context.Background())
	st := g.VideoStore()

	// The latency camera's fragments, as they become durable.
	lat := &latencies{}
	sub, err := st.Subscribe("cam1", 1024)
	if err != nil {
		return res, err
	}
	go lat.watch(sub)
	defer sub.Close()

	simCtx, stopSim := context.WithCancel(ctx)
	defer stopSim()
	sim := exec.CommandContext(simCtx, o.FirmwareSim, "camera", "--push", "rtsp://"+rtspAddr+"/cam{n}", "--cameras", fmt.Sprint(o.Cameras),
		"--size", o.Size, "--preencoded", "--log-level", "warn")
	var simErr strings.Builder
	sim.Stderr = &simErr
	if err := sim.Start(); err != nil {
		return res, fmt.Errorf("bench: video: firmware-sim: %w", err)
	}
	simDone := make(chan error, 1)
	go func() { simDone <- sim.Wait() }()
	defer func() { stopSim(); <-simDone }()

	// Every camera recording, and a fragment or two behind it, before the
	// measurement starts.
	warm := time.Now().Add(30 * time.Second)
	for !allRecording(st, o.Cameras, 2) {
		select {
		case err := <-simDone:
			return res, fmt.Errorf("bench: video: firmware-sim stopped: %v\n%s", err, simErr.String())
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(warm) {
			return res, fmt.Errorf("bench: video: the %d cameras were not all recording after 30 s", o.Cameras)
		}
	}
	cpu0, err := ProcessCPU()
	if err != nil {
		return res, err
	}
	w0, err := StorageWrites()
	if err != nil {
		return res, err
	}
	s0 := totals(st)
	lat.start()
	t0 := time.Now()
	select {
	case <-ctx.Done():
		return res, ctx.Err()
	case err := <-simDone:
		return res, fmt.Errorf("bench: video: firmware-sim stopped: %v\n%s", err, simErr.String())
	case <-time.After(o.Duration):
	}
	wall := time.Since(t0)
	cpu1, _ := ProcessCPU()
	w1, _ := StorageWrites()
	s1 := totals(st)
	rss, _ := CurrentRSS()

	res.DurationSec = wall.Seconds()
	res.CPUPerCameraPct = (cpu1 - cpu0).Seconds() / wall.Seconds() * 100 / float64(o.Cameras)
	if in := s1.BytesReceived - s0.BytesReceived; in > 0 {
		res.WriteAmplification = float64(w1-w0) / float64(in)
		res.CameraMbps = float64(in) * 8 / wall.Seconds() / 1e6 / float64(o.Cameras)
	}
	res.FramesReceived = s1.FramesReceived - s0.FramesReceived
	res.Fragments = s1.Fragments - s0.Fragments
	res.DroppedFrames = s1.FramesDropped
	for _, c := range g.Cameras().Cameras() {
		res.DroppedFrames += c.Total.Dropped
	}
	res.RSSMB = float64(rss) / (1 << 20)
	res.PublishToDurableMs, res.P99ToDurableMs = lat.result()
	return res, nil
}

func allRecording(st *fragments.Store, n, fragments int) bool {
	for i := 1; i <= n; i++ {
		info, err := st.Camera(fmt.Sprintf("cam%d", i))
		if err != nil || !info.Recording || info.Stats.Fragments < int64(fragments) {
			return false
		}
	}
	return true
}

func totals(st *fragments.Store) fragments.Stats {
	var t fragments.Stats
	for _, c := range st.Cameras() {
		t.FramesReceived += c.Stats.FramesReceived
		t.BytesReceived += c.Stats.BytesReceived
		t.FramesDropped += c.Stats.FramesDropped
		t.Fragments += c.Stats.Fragments
		t.BytesWritten += c.Stats.BytesWritten
	}
	return t
}

// latencies times one camera's fragments: the publish of the frame that
// closes a fragment is the camera's clock (its producer time, from RTCP)
// at the fragment's start plus its duration; durable is when the
// subscription is told.
type latencies struct {
	mu       sync.Mutex
	counting bool
	ms       []float64
}

func (l *latencies) start() { l.mu.Lock(); l.counting = true; l.mu.Unlock() }

func (l *latencies) watch(sub *fragments.Subscription) {
	for f := range sub.C() {
		at := time.Now()
		origin := f.Producer
		if origin.IsZero() {
			origin = f.Server
		}
		l.mu.Lock()
		if l.counting {
			l.ms = append(l.ms, float64(at.Sub(origin.Add(f.Duration)).Microseconds())/1000)
		}
		l.mu.Unlock()
	}
}

func (l *latencies) result() (p50, p99 float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ms) == 0 {
		return 0, 0
	}
	s := slices.Clone(l.ms)
	slices.Sort(s)
	return s[len(s)/2], s[min(len(s)-1, len(s)*99/100)]
}
