package rtsp

import (
	"fmt"
	"strings"

	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"

	"github.com/tidegate/tidegate/video/fragments"
)

// A track is one format of a session that the store records: one per
// media, the media's first format of a codec the store takes.
type track struct {
	id     int // the store's track id, from 1
	media  *description.Media
	format format.Format
	clock  int64 // RTP clock rate
	codec  fragments.Codec
	dep    depacketizer
}

// tracksOf picks the tracks of a session description, and says what it
// leaves out. A description with nothing to record is an error: it names
// what the camera offered.
func tracksOf(desc *description.Session) ([]*track, []string, error) {
	if desc == nil {
		return nil, nil, fmt.Errorf("%w: no session description", ErrUnsupported)
	}
	var out []*track
	var skipped, offered []string
	for _, m := range desc.Medias {
		if m == nil {
			continue
		}
		var picked *track
		for _, f := range m.Formats {
			if f == nil {
				continue
			}
			offered = append(offered, f.Codec())
			if picked != nil {
				continue
			}
			t, err := newTrack(f)
			if err != nil {
				skipped = append(skipped, fmt.Sprintf("%s: %v", f.Codec(), err))
				continue
			}
			t.id, t.media = len(out)+1, m
			picked = t
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		if len(offered) == 0 {
			return nil, skipped, fmt.Errorf("%w: the session description offers no media", ErrUnsupported)
		}
		return nil, skipped, fmt.Errorf("%w: none of %s can be recorded (H.264, H.265, MJPEG, AAC, Opus, G.711 can)",
			ErrUnsupported, strings.Join(offered, ", "))
	}
	return out, skipped, nil
}

// newTrack returns the track of a format, or why it cannot be recorded.
func newTrack(f format.Format) (*track, error) {
	t := &track{format: f}
	switch f := f.(type) {
	case *format.H264:
		sps, pps := f.SafeParams()
		c := fragments.H264{}
		if validH264(sps) && len(pps) > 0 {
			c.SPS, c.PPS = sps, pps
		}
		t.codec = c
		d, err := newH264(f, c)
		if err != nil {
			return nil, err
		}
		t.dep = d
	case *format.H265:
		vps, sps, pps := f.SafeParams()
		c := fragments.H265{}
		if len(vps) > 0 && validH265(sps) && len(pps) > 0 {
			c.VPS, c.SPS, c.PPS = vps, sps, pps
		}
		t.codec = c
		d, err := newH265(f, c)
		if err != nil {
			return nil, err
		}
		t.dep = d
	case *format.MJPEG:
		// The picture size comes with the first frame.
		t.codec = fragments.MJPEG{}
		d, err := newMJPEG(f)
		if err != nil {
			return nil, err
		}
		t.dep = d
	case *format.MPEG4Audio:
		if f.Config == nil || f.Config.SampleRate <= 0 {
			return nil, fmt.Errorf("no AAC configuration")
		}
		conf, err := f.Config.Marshal()
		if err != nil {
			return nil, fmt.Errorf("AAC configuration: %w", err)
		}
		t.codec = fragments.AAC{Config: conf}
		d, err := newAAC(f)
		if err != nil {
			return nil, err
		}
		t.dep = d
	case *format.Opus:
		if f.ChannelCount < 1 || f.ChannelCount > 8 {
			return nil, fmt.Errorf("%d channels", f.ChannelCount)
		}
		t.codec = fragments.Opus{Channels: f.ChannelCount}
		d, err := newOpus(f)
		if err != nil {
			return nil, err
		}
		t.dep = d
	case *format.G711:
		if f.SampleRate < 1 || f.SampleRate > 192000 || f.ChannelCount < 1 || f.ChannelCount > 8 {
			return nil, fmt.Errorf("%d Hz with %d channels", f.SampleRate, f.ChannelCount)
		}
		t.codec = fragments.G711{MuLaw: f.MULaw, SampleRate: f.SampleRate, Channels: f.ChannelCount}
		d, err := newG711(f)
		if err != nil {
			return nil, err
		}
		t.dep = d
	default:
		return nil, fmt.Errorf("not a codec the store records")
	}
	// After the checks: an AAC format without a configuration has no clock.
	if t.clock = int64(f.ClockRate()); t.clock <= 0 {
		return nil, fmt.Errorf("clock rate %d", t.clock)
	}
	return t, nil
}

func validH264(sps []byte) bool {
	var s h264.SPS
	return len(sps) > 0 && s.Unmarshal(sps) == nil
}

func validH265(sps []byte) bool {
	var s h265.SPS
	return len(sps) > 0 && s.Unmarshal(sps) == nil
}

// storeTracks are the tracks as the store takes them.
func storeTracks(ts []*track) []fragments.Track {
	out := make([]fragments.Track, len(ts))
	for i, t := range ts {
		out[i] = fragments.Track{ID: t.id, Codec: t.codec}
	}
	return out
}
