package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/tidegate/tidegate/gateway/bench"
)

func benchVideo(ctx context.Context, args []string) error {
	o := bench.DefaultVideoOptions()
	fs := newFlagSet("bench video", "[--cameras N] [--duration D] [--size WxH] [--firmware-sim PATH] [--json]")
	fs.IntVar(&o.Cameras, "cameras", o.Cameras, "simulated H.264 cameras pushing over RTSP")
	fs.DurationVar(&o.Duration, "duration", o.Duration, "how long the measurement runs, once every camera records")
	fs.StringVar(&o.Size, "size", o.Size, "the cameras' picture size, which sets their bitrate (336x240: about 2 Mbit/s)")
	fs.StringVar(&o.FirmwareSim, "firmware-sim", "", "the firmware-sim binary that runs the cameras (default: next to tidegate, else on PATH)")
	var b benchFlags
	b.register(fs, "where the gateway keeps its temporary data")
	var r bench.VideoResult
	err := b.measure(fs, args, func(dir string) (err error) {
		o.Dir = dir
		if o.FirmwareSim == "" {
			if o.FirmwareSim, err = findFirmwareSim(); err != nil {
				return err
			}
		}
		r, err = bench.Video(ctx, o)
		return err
	})
	if err != nil {
		return err
	}
	rows := []bench.Row{
		{Name: "cpu per camera", Value: num("%.2f", r.CPUPerCameraPct), Unit: "% of a core", Note: "the gateway process alone; target ≤ 0.5 at 16 cameras (MediaMTX recording without fsync: 0.64-0.69)"},
		{Name: "write amplification", Value: num("%.3f", r.WriteAmplification), Unit: "bytes written / byte received", Note: "storage writes of the gateway process: fragments, index, events; target ≤ 1.02"},
		{Name: "dropped frames", Value: fmt.Sprint(r.DroppedFrames), Unit: "frames", Note: "received and not stored; target 0 at 32 cameras"},
		{Name: "rss", Value: num("%.1f", r.RSSMB), Unit: "MiB", Note: "the gateway process at the end"},
		{Name: "publish → durable", Value: num("%.1f", r.PublishToDurableMs), Unit: "ms", Note: fmt.Sprintf("median for camera 1 (p99 %.1f ms): the frame that closes a fragment, to the fragment fsync'd", r.P99ToDurableMs)},
		{Name: "per camera", Value: num("%.2f", r.CameraMbps), Unit: "Mbit/s", Note: fmt.Sprintf("received; %d frames, %d fragments in all", r.FramesReceived, r.Fragments)},
	}
	title := fmt.Sprintf("tidegate bench video: %d cameras × H.264 %s pushed over RTSP, recorded with fsync per fragment, %.1f s", r.Cameras, o.Size, r.DurationSec)
	return b.report(r, title, rows)
}

// findFirmwareSim finds firmware-sim next to this executable, else on the
// PATH.
func findFirmwareSim() (string, error) {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "firmware-sim")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath("firmware-sim")
	if err != nil {
		return "", usageErrorf("bench video runs its cameras in firmware-sim: build it (make build puts it next to tidegate) or give --firmware-sim PATH")
	}
	return p, nil
}
