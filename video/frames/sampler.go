package frames

import (
	"bytes"
	"fmt"
	"sort"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4"

	"github.com/tidegate/tidegate/video/fragments"
)

// frame is a video sample of a fragment.
type frame struct {
	index    int
	pts      int64 // presentation time in the track's timescale, as ffmpeg reports it
	server   time.Time
	producer time.Time
	key      bool
	payload  []byte
}

// video is the video track of an init segment.
type video struct {
	init      []byte
	id        int
	timescale uint32
	codec     mp4.Codec
}

// videoOf reads the first video track of an init segment; prev is reused
// when the init is the same.
func videoOf(init []byte, prev *video) (*video, error) {
	if prev != nil && bytes.Equal(prev.init, init) {
		return prev, nil
	}
	var in fmp4.Init
	if err := in.Unmarshal(bytes.NewReader(init)); err != nil {
		return nil, fmt.Errorf("%w: init segment: %v", ErrDecode, err)
	}
	for _, t := range in.Tracks {
		if t.Codec.IsVideo() && t.TimeScale > 0 {
			return &video{init: bytes.Clone(init), id: t.ID, timescale: t.TimeScale, codec: t.Codec}, nil
		}
	}
	return nil, ErrNoVideo
}

// timeline anchors each fragment's frames: at the fragment's timestamps,
// or at the end of the previous fragment's media when a timestamp falls
// less than a second before it. A fragment's server timestamp is the
// receive time of its first frame, which jitters, while the media time
// within a recording does not: without it, the first frames of a
// fragment could be timed before the last ones of the previous.
type timeline struct{ server, producer time.Time } // where the previous fragment ended

func (tl *timeline) anchor(m *fragments.Media) (server, producer time.Time) {
	server, producer = follow(m.Server, tl.server), follow(m.Producer, tl.producer)
	tl.server = server.Add(m.Duration)
	tl.producer = time.Time{}
	if !producer.IsZero() {
		tl.producer = producer.Add(m.Duration)
	}
	return server, producer
}

func follow(t, prevEnd time.Time) time.Time {
	if !t.IsZero() && !prevEnd.IsZero() && t.Before(prevEnd) && prevEnd.Sub(t) < time.Second {
		return prevEnd
	}
	return t
}

// framesOf lists a fragment's video frames in presentation order, timed
// from the fragment's anchors: a frame presented d after the fragment's
// first decode time is at server+d (and producer+d). It also returns the
// most negative composition offset (0 if none), which ffmpeg adds to the
// presentation times it reports from then on (see extraction.add).
func framesOf(m *fragments.Media, v *video, server, producer time.Time) (frs []frame, minOffset int64, err error) {
	var parts fmp4.Parts
	if err := parts.Unmarshal(m.Data); err != nil {
		return nil, 0, fmt.Errorf("%w: fragment %d: %v", ErrDecode, m.Number, err)
	}
	var base uint64
	first := true
	for _, p := range parts {
		for _, pt := range p.Tracks {
			if pt.ID != v.id {
				continue
			}
			if first {
				base, first = pt.BaseTime, false
			}
			dts := int64(pt.BaseTime)
			for _, s := range pt.Samples {
				pts := dts + int64(s.PTSOffset)
				minOffset = min(minOffset, int64(s.PTSOffset))
				d := time.Duration(pts-int64(base)) * time.Second / time.Duration(v.timescale)
				f := frame{index: len(frs), pts: pts, server: server.Add(d), key: !s.IsNonSyncSample, payload: s.Payload}
				if !producer.IsZero() {
					f.producer = producer.Add(d)
				}
				frs = append(frs, f)
				dts += int64(s.Duration)
			}
		}
	}
	sort.SliceStable(frs, func(i, j int) bool { return frs[i].pts < frs[j].pts })
	return frs, minOffset, nil
}

// sampler picks frames at the request's instants, across fragments.
type sampler struct {
	req  *Request
	next time.Time // the next instant
}

func newSampler(req *Request) *sampler { return &sampler{req: req, next: req.Start} }

// at is a frame's time on the clock the request samples on.
func (s *sampler) at(f *frame) time.Time {
	if s.req.ByProducer {
		return f.producer
	}
	return f.server
}

// pick returns the frames of a fragment (in presentation order) that the
// request takes.
func (s *sampler) pick(frs []frame) []frame {
	var out []frame
	for i := range frs {
		f := &frs[i]
		t := s.at(f)
		switch {
		case t.IsZero() || t.Before(s.next) || (s.req.Keyframes && !f.key):
			continue
		case !s.req.End.IsZero() && !t.Before(s.req.End):
			return out
		}
		out = append(out, *f)
		if s.req.Every == 0 {
			continue // every frame
		}
		steps := t.Sub(s.req.Start)/s.req.Every + 1
		s.next = s.req.Start.Add(steps * s.req.Every)
	}
	return out
}
