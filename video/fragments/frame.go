package fragments

import (
	"fmt"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/g711"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
)

// Track is one media track of a recording.
type Track struct {
	ID    int // from 1, unique within a recording; the fMP4 track id
	Codec Codec
}

// Frame is one access unit of a track, as the ingest depacketized it.
type Frame struct {
	Track int
	// DTS and PTS are the decode and presentation times on the track's
	// clock, from any origin (RTP timestamps converted to a duration). The
	// store derives each sample's duration from consecutive DTS values; a
	// DTS that goes back, or leaps more than 5 s, is a clock jump: the
	// stored timeline stays monotonic and the gap ledger says so.
	DTS, PTS time.Duration
	// NALUs is an H.264 or H.265 access unit, NAL units without start
	// codes. The store finds keyframes (IDR, IRAP) and in-band parameter
	// sets itself.
	NALUs [][]byte
	// Payload is a frame of the other codecs: one JPEG (MJPEG), one access
	// unit (AAC), one packet (Opus), samples (G.711).
	Payload []byte
	// Received is the gateway's receive time (the clock's now if zero).
	Received time.Time
	// Producer is the camera's wall clock for this frame, from RTCP sender
	// reports; zero when unknown.
	Producer time.Time
}

// maxFrameGap: a DTS step longer than this (or negative) is a clock jump.
const maxFrameGap = 5 * time.Second

// sample is a frame ready for the fMP4 writer.
type sample struct {
	dts       time.Duration
	ptsOffset int32 // in the track's timescale
	key       bool
	payload   []byte
	received  time.Time
	producer  time.Time
	dur       uint32 // set once the next DTS is known
	codec     Codec  // new parameter sets from this keyframe on; nil if none
	jump      string // the DTS jumped between the previous frame and this one
}

// track is a recording's track and its timeline. Track.Codec is the codec
// of the samples placed in fragments (what the init segment declares);
// latest is the codec as of the newest frame received.
type track struct {
	Track
	latest    Codec
	timescale uint32
	video     bool
	ready     bool // latest has its parameter sets
	prev      *sample
	decode    uint64 // decode time of the next sample placed, in the timescale
	lastDur   uint32
}

func newTrack(t Track) (*track, error) {
	if t.ID < 1 || t.Codec == nil {
		return nil, fmt.Errorf("%w: track %d without a codec or with an id below 1", ErrInvalidArgument, t.ID)
	}
	tr := &track{Track: t, latest: t.Codec, video: isVideo(t.Codec)}
	_, ts, err := t.Codec.mp4()
	switch t.Codec.(type) {
	case H264, H265:
		// Parameters may arrive in band with the first keyframe.
		tr.ready = err == nil
		ts = videoTimescale
	default:
		if err != nil {
			return nil, fmt.Errorf("track %d: %w", t.ID, err)
		}
		tr.ready = true
	}
	tr.timescale = ts
	return tr, nil
}

// ticks converts a duration to the track's timescale without overflow.
func (t *track) ticks(d time.Duration) int64 {
	ts := int64(t.timescale)
	return int64(d/time.Second)*ts + int64(d%time.Second)*ts/int64(time.Second)
}

// defaultDur is a sample's duration when no next DTS tells it.
func (t *track) defaultDur(s *sample) uint32 {
	if t.lastDur > 0 {
		return t.lastDur
	}
	switch c := t.Codec.(type) {
	case AAC:
		return 1024
	case Opus:
		return 960
	case G711:
		return uint32(len(s.payload) / 2 / c.channels())
	}
	return t.timescale / 25
}

// toSample checks a frame and converts it. It returns nil for a frame that
// cannot be stored yet (no parameter sets).
func (t *track) toSample(f *Frame) (s *sample, err error) {
	s = &sample{dts: f.DTS, received: f.Received, producer: f.Producer, key: true}
	off := t.ticks(f.PTS - f.DTS)
	if off < -1<<31 || off >= 1<<31 {
		return nil, fmt.Errorf("%w: track %d: PTS %v is %v from DTS", ErrInvalidArgument, t.ID, f.PTS, f.PTS-f.DTS)
	}
	s.ptsOffset = int32(off)
	switch t.Codec.(type) {
	case H264, H265:
		if len(f.NALUs) == 0 {
			return nil, fmt.Errorf("%w: track %d: access unit without NAL units", ErrInvalidArgument, t.ID)
		}
		for _, n := range f.NALUs {
			if len(n) == 0 {
				return nil, fmt.Errorf("%w: track %d: empty NAL unit", ErrInvalidArgument, t.ID)
			}
		}
		s.key = isKeyframe(t.Codec, f.NALUs)
		if s.key {
			if c, diff := inBandParams(t.latest, f.NALUs); diff {
				if _, _, err := c.mp4(); err == nil {
					t.latest, t.ready, s.codec = c, true, c
				}
			}
		}
		if !t.ready {
			return nil, nil
		}
		if s.payload, err = h264.AVCC(f.NALUs).Marshal(); err != nil {
			return nil, fmt.Errorf("%w: track %d: %v", ErrInvalidArgument, t.ID, err)
		}
	case G711:
		if len(f.Payload) == 0 {
			return nil, fmt.Errorf("%w: track %d: empty frame", ErrInvalidArgument, t.ID)
		}
		if t.Codec.(G711).MuLaw {
			var pcm g711.Mulaw
			pcm.Unmarshal(f.Payload)
			s.payload = pcm
		} else {
			var pcm g711.Alaw
			pcm.Unmarshal(f.Payload)
			s.payload = pcm
		}
	default:
		if len(f.Payload) == 0 {
			return nil, fmt.Errorf("%w: track %d: empty frame", ErrInvalidArgument, t.ID)
		}
		s.payload = append([]byte(nil), f.Payload...)
	}
	return s, nil
}

func frameBytes(f *Frame) int64 {
	n := len(f.Payload)
	for _, nalu := range f.NALUs {
		n += len(nalu)
	}
	return int64(n)
}
