package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tidegate/tidegate/video/cameras"
	"github.com/tidegate/tidegate/video/events"
	"github.com/tidegate/tidegate/video/fragments"
)

// The video metrics read, at each scrape, the fragment store (every
// camera it holds), the running cameras (the camera manager) and the
// fragment events writer.
type (
	VideoStore    interface{ Cameras() []fragments.CameraInfo }
	CameraLister  interface{ Cameras() []cameras.Status }
	EventsCounter interface{ Stats() events.Stats }
)

type videoCollector struct {
	store  VideoStore
	cams   CameraLister
	events EventsCounter

	recording, sessions, frames, dropped, refused *prometheus.Desc
	fragments, written, storage, gapOpen, evs     *prometheus.Desc
}

// RegisterVideo exports every camera's recording counters and the
// fragment events' outcomes.
func (r *Registry) RegisterVideo(store VideoStore, cams CameraLister, ev EventsCounter) error {
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, append([]string{"camera"}, labels...), nil)
	}
	return r.reg.Register(&videoCollector{
		store: store, cams: cams, events: ev,
		recording: desc("tidegate_camera_recording", "1 while the camera has a session recording."),
		sessions:  desc("tidegate_camera_sessions_total", "Sessions begun (connections to the camera, publishers) since the camera started."),
		frames:    desc("tidegate_camera_frames_received_total", "Frames handed to the store."),
		dropped: desc("tidegate_camera_frames_dropped_total",
			"Frames not stored: stage queue, the session's queue was full (or a keyframe was awaited after that); stage store, before the first keyframe, refused, or lost with a fragment that failed.", "stage"),
		refused:   desc("tidegate_camera_frames_refused_total", "Frames the store refused as invalid (bad input from the camera)."),
		fragments: desc("tidegate_camera_fragments_total", "Fragments written and fsync'd."),
		written:   desc("tidegate_camera_bytes_written_total", "Bytes written to segment files."),
		storage:   desc("tidegate_camera_storage_bytes", "Bytes of the camera's segment files."),
		gapOpen:   desc("tidegate_camera_gap_open", "1 while the recording has an open gap, labelled with its reason.", "reason"),
		evs: prometheus.NewDesc("tidegate_video_events_total",
			"Fragment events: written to their stream, dropped (the queue was full), failed (the stream refused them).", []string{"outcome"}, nil),
	})
}

func (c *videoCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.recording, c.sessions, c.frames, c.dropped, c.refused, c.fragments, c.written, c.storage, c.gapOpen, c.evs} {
		ch <- d
	}
}

func (c *videoCollector) Collect(ch chan<- prometheus.Metric) {
	running := map[string]cameras.Status{}
	for _, s := range c.cams.Cameras() {
		running[s.Name] = s
	}
	metric := func(d *prometheus.Desc, t prometheus.ValueType, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, t, float64(v), labels...)
	}
	for _, info := range c.store.Cameras() {
		name := info.Name
		rec := int64(0)
		if info.Recording {
			rec = 1
		}
		run := running[name]
		metric(c.recording, prometheus.GaugeValue, rec, name)
		metric(c.sessions, prometheus.CounterValue, run.Sessions, name)
		metric(c.frames, prometheus.CounterValue, info.Stats.FramesReceived, name)
		metric(c.dropped, prometheus.CounterValue, run.Total.Dropped, name, "queue")
		metric(c.dropped, prometheus.CounterValue, info.Stats.FramesDropped, name, "store")
		metric(c.refused, prometheus.CounterValue, run.Total.Refused, name)
		metric(c.fragments, prometheus.CounterValue, info.Stats.Fragments, name)
		metric(c.written, prometheus.CounterValue, info.Stats.BytesWritten, name)
		metric(c.storage, prometheus.GaugeValue, info.Bytes, name)
		if info.OpenGap != nil {
			metric(c.gapOpen, prometheus.GaugeValue, 1, name, string(info.OpenGap.Reason))
		}
	}
	s := c.events.Stats()
	metric(c.evs, prometheus.CounterValue, s.Written, "written")
	metric(c.evs, prometheus.CounterValue, s.Dropped, "dropped")
	metric(c.evs, prometheus.CounterValue, s.Failed, "failed")
}
