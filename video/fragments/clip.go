package fragments

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/pmp4"
)

// Clip describes a progressive MP4 that WriteClip wrote.
type Clip struct {
	Start     time.Time // server time of its first fragment
	End       time.Time // end of its last fragment
	Fragments int
	Frames    int
	Duration  time.Duration // media time of the video (lead) track
	Truncated bool          // it stops early, at a codec change or the size limit
}

// maxClipBytes: a progressive MP4 with 32-bit chunk offsets addresses 4 GiB.
const maxClipBytes = 1<<32 - 1<<20

// WriteClip writes the fragments overlapping [start, end) as one
// progressive MP4 (ftyp, moov with the full sample tables, mdat), which
// browsers and ffprobe play with the right duration and frame count. It
// holds the sample tables in memory (some 50 bytes a frame) and streams
// the samples from the segment files. The clip is made of whole fragments
// (it starts on the keyframe at or before start) and ends early, saying
// so, where the tracks' codecs change or the 4 GiB that 32-bit offsets
// address would be passed. Gaps are not kept as pauses: the media plays
// through them.
func (s *Store) WriteClip(ctx context.Context, w io.Writer, camera string, start, end time.Time) (Clip, error) {
	frs, err := s.Fragments(camera, Query{Start: start, End: end})
	if err != nil {
		return Clip{}, err
	}
	if len(frs) == 0 {
		return Clip{}, fmt.Errorf("%w: camera %q has no fragment between %v and %v", ErrNotFound, camera, start, end)
	}
	return s.WriteFragmentsClip(ctx, w, camera, frs)
}

// WriteFragmentsClip is WriteClip of the fragments given (as Fragments
// lists them, by number), for callers that choose them by another rule
// (Kinesis Video's GetClip takes the fragments that start in a range).
func (s *Store) WriteFragmentsClip(ctx context.Context, w io.Writer, camera string, frs []Fragment) (Clip, error) {
	var clip Clip
	if len(frs) == 0 {
		return clip, fmt.Errorf("%w: camera %q: a clip of no fragment", ErrNotFound, camera)
	}
	c, err := s.camera(camera, false)
	if err != nil {
		return clip, err
	}
	b := clipBuilder{ctx: ctx, files: map[uint64]*os.File{}}
	defer b.close()
	for _, fr := range frs {
		ok, err := b.add(c, fr)
		if err != nil {
			return clip, err
		}
		if !ok {
			clip.Truncated = true
			break
		}
		if clip.Fragments == 0 {
			clip.Start = fr.Server
		}
		clip.End = fr.End()
		clip.Fragments++
		clip.Frames += fr.Frames
		clip.Duration += fr.Duration
	}
	b.alignStarts()
	for i, t := range b.tracks {
		ext := coverPresentation(t)
		if i == b.lead() {
			clip.Duration += time.Duration(ext) * time.Second / time.Duration(t.TimeScale)
		}
	}
	p := pmp4.Presentation{}
	for _, t := range b.tracks {
		if len(t.Samples) > 0 {
			p.Tracks = append(p.Tracks, t)
		}
	}
	if err := p.Marshal(w); err != nil {
		return clip, fmt.Errorf("fragments: clip: %w", err)
	}
	return clip, nil
}

// clipBuilder gathers the sample tables of a clip.
type clipBuilder struct {
	ctx    context.Context
	files  map[uint64]*os.File
	init   []byte
	tracks []*pmp4.Track
	starts map[int]uint64 // the first decode time of each track
	bytes  int64
	ticks  map[int]uint64
}

func (b *clipBuilder) close() {
	for _, f := range b.files {
		f.Close()
	}
}

// add appends a fragment's samples; false when it cannot join the clip.
func (b *clipBuilder) add(c *camera, fr Fragment) (bool, error) {
	f := b.files[fr.Segment]
	if f == nil {
		var err error
		if f, err = os.Open(segmentPath(c.dir, fr.Segment)); err != nil {
			if os.IsNotExist(err) {
				return false, nil // deleted by retention meanwhile
			}
			return false, fmt.Errorf("fragments: clip: %w", err)
		}
		b.files[fr.Segment] = f
	}
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	init, tracks, err := readInit(f, fi.Size())
	if err != nil {
		return false, fmt.Errorf("fragments: clip: segment %d: %w", fr.Segment, err)
	}
	if b.init == nil {
		b.init, b.starts, b.ticks = init, map[int]uint64{}, map[int]uint64{}
		for _, t := range tracks {
			b.tracks = append(b.tracks, &pmp4.Track{ID: t.ID, TimeScale: t.TimeScale, Codec: t.Codec})
		}
	} else if !bytes.Equal(init, b.init) {
		return false, nil
	}
	if b.bytes+fr.Size > maxClipBytes {
		return false, nil
	}
	raw := make([]byte, fr.Size+trailerSize)
	if _, err := f.ReadAt(raw, fr.Offset); err != nil {
		return false, fmt.Errorf("fragments: clip: fragment %d: %w: %v", fr.Number, ErrCorrupt, err)
	}
	if _, err := checkFragment(raw, tracks); err != nil {
		return false, fmt.Errorf("fragments: clip: fragment %d: %w", fr.Number, err)
	}
	var parts fmp4.Parts
	if err := parts.Unmarshal(raw[:fr.Size]); err != nil {
		return false, fmt.Errorf("fragments: clip: fragment %d: %w: %v", fr.Number, ErrCorrupt, err)
	}
	for _, pt := range parts[0].Tracks {
		t := b.track(pt.ID)
		if len(t.Samples) == 0 {
			b.starts[pt.ID] = pt.BaseTime
		}
		for _, s := range pt.Samples {
			if b.ticks[pt.ID]+uint64(s.Duration) > 1<<32-1 {
				return false, nil // the sample tables' 32-bit durations
			}
			b.ticks[pt.ID] += uint64(s.Duration)
			off := fr.Offset + int64(cap(raw)-cap(s.Payload))
			size := len(s.Payload)
			t.Samples = append(t.Samples, &pmp4.Sample{
				Duration:        s.Duration,
				PTSOffset:       s.PTSOffset,
				IsNonSyncSample: s.IsNonSyncSample,
				PayloadSize:     uint32(size),
				GetPayload:      b.payload(f, off, size),
			})
		}
	}
	b.bytes += fr.Size
	return true, nil
}

func (b *clipBuilder) track(id int) *pmp4.Track {
	for _, t := range b.tracks {
		if t.ID == id {
			return t
		}
	}
	return nil // checkFragment made sure every track is in the init
}

func (b *clipBuilder) payload(f *os.File, off int64, size int) func() ([]byte, error) {
	return func() ([]byte, error) {
		if err := b.ctx.Err(); err != nil {
			return nil, err
		}
		p := make([]byte, size)
		if _, err := f.ReadAt(p, off); err != nil {
			return nil, fmt.Errorf("fragments: clip: %w", err)
		}
		return p, nil
	}
}

// coverPresentation stretches a track's last sample so that its decode
// times span its presentation, and returns by how many ticks. With
// B-frames the decode times a camera's session yields start compressed
// (the reordering is learnt from the frames after the first keyframe), so
// the frames presented last end after the last decode time: the clip's
// edit list, which spans the decode times, would cut them off, and players
// drop them (ffprobe counted two frames fewer than stored).
func coverPresentation(t *pmp4.Track) uint32 {
	if len(t.Samples) == 0 {
		return 0
	}
	// The frame presented last ends a frame's time after it starts; the
	// last sample's duration is a frame's time once the decode times have
	// settled.
	var dec, end int64
	for _, s := range t.Samples {
		end = max(end, dec+int64(s.PTSOffset))
		dec += int64(s.Duration)
	}
	end += int64(t.Samples[len(t.Samples)-1].Duration)
	if end <= dec || end-dec > 1<<31 {
		return 0
	}
	ext := uint32(end - dec)
	t.Samples[len(t.Samples)-1].Duration += ext
	return ext
}

// lead is the index of the track a clip's duration is of: the first video
// track, or the first track.
func (b *clipBuilder) lead() int {
	for i, t := range b.tracks {
		switch t.Codec.(type) {
		case *mp4.CodecH264, *mp4.CodecH265, *mp4.CodecMJPEG:
			return i
		}
	}
	return 0
}

// alignStarts delays the tracks that start after the earliest one.
func (b *clipBuilder) alignStarts() {
	var earliest float64 = -1
	for _, t := range b.tracks {
		if len(t.Samples) == 0 {
			continue
		}
		if s := float64(b.starts[t.ID]) / float64(t.TimeScale); earliest < 0 || s < earliest {
			earliest = s
		}
	}
	for _, t := range b.tracks {
		if len(t.Samples) > 0 {
			t.TimeOffset = int32((float64(b.starts[t.ID])/float64(t.TimeScale) - earliest) * float64(t.TimeScale))
		}
	}
}
