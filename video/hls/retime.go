package hls

import (
	"bytes"
	"fmt"
	"math"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"

	"github.com/tidegate/tidegate/video/fragments"
)

// vodOrigin is where a past range's timeline starts: far enough from zero
// that a track starting a little before the video does not go negative.
const vodOrigin = 10 * time.Second

// retime returns a fragment's moof and mdat with its video track's decode
// time moved to at, and its other tracks by the same amount.
//
// A past range's playlist gives each fragment the sum of the durations
// before it, so that its decode times run on without a step across the
// camera's sessions, whose decode times each start again from zero: with
// a step back, ffmpeg's HLS reader drops the first segment after each
// discontinuity as out of order.
func retime(m *fragments.Media, at time.Duration) ([]byte, error) {
	var init fmp4.Init
	if err := init.Unmarshal(bytes.NewReader(m.Init)); err != nil {
		return nil, fmt.Errorf("hls: fragment %d: init: %w", m.Number, err)
	}
	var parts fmp4.Parts
	if err := parts.Unmarshal(m.Data); err != nil {
		return nil, fmt.Errorf("hls: fragment %d: %w", m.Number, err)
	}
	scales := map[int]uint32{}
	lead := 0 // the first video track, or the first track
	for _, t := range init.Tracks {
		scales[t.ID] = t.TimeScale
	}
	for _, t := range init.Tracks {
		if t.Codec.IsVideo() {
			lead = t.ID
			break
		}
	}
	if lead == 0 && len(init.Tracks) > 0 {
		lead = init.Tracks[0].ID
	}
	var from float64 = -1 // the lead track's decode time, in seconds
	for _, p := range parts {
		for _, pt := range p.Tracks {
			if pt.ID == lead && from < 0 {
				from = float64(pt.BaseTime) / float64(scales[lead])
			}
		}
	}
	if from < 0 {
		return nil, fmt.Errorf("hls: fragment %d has no sample of its lead track", m.Number)
	}
	shift := at.Seconds() - from
	for _, p := range parts {
		for _, pt := range p.Tracks {
			ts := scales[pt.ID]
			if ts == 0 {
				return nil, fmt.Errorf("hls: fragment %d: track %d is not in its init segment", m.Number, pt.ID)
			}
			base := float64(pt.BaseTime) + math.Round(shift*float64(ts))
			if base < 0 || base > math.MaxInt64/2 {
				return nil, fmt.Errorf("hls: fragment %d: track %d cannot start at %v", m.Number, pt.ID, at)
			}
			pt.BaseTime = uint64(base)
		}
	}
	var buf seekablebuffer.Buffer
	if err := parts.Marshal(&buf); err != nil {
		return nil, fmt.Errorf("hls: fragment %d: %w", m.Number, err)
	}
	return buf.Bytes(), nil
}
