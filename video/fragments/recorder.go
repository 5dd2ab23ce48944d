package fragments

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"

	"github.com/tidegate/tidegate/internal/durable"
)

// maxBuildBytes bounds the fragment held in memory: frames past it, in a
// GOP that never ends, are dropped until the next keyframe.
const maxBuildBytes = 32 << 20

// Recorder writes one camera's frames into fragments. Its methods are safe
// for concurrent use. WriteFrame blocks for the write and fsync of a
// fragment when a keyframe closes one (once per fragment), so the ingest
// calls it from a goroutine of the camera, not from a shared read loop.
type Recorder struct {
	st *Store
	c  *camera

	mu      sync.Mutex // guards the fields below
	closed  bool
	tracks  []*track
	lead    *track // the first video track, or the first track
	seg     *openSegment
	newInit bool      // the next fragment starts a new segment file
	frag    *building // nil until the lead track's first keyframe
	buf     seekablebuffer.Buffer
}

// openSegment is the segment file a recorder appends to.
type openSegment struct {
	info *segInfo
	f    *os.File
}

// building is the fragment being assembled.
type building struct {
	parts     []*fmp4.PartTrack
	received  time.Time
	producer  time.Time
	leadTicks int64
	frames    int
	keyframes int
	bytes     int
	jump      string // the camera's timestamps jumped at or within it
}

// Record starts recording a camera with the given tracks. One camera has
// one Recorder at a time (ErrBusy). A camera that was not recording gets
// its open gap closed by the first fragment written.
func (s *Store) Record(camera string, tracks []Track) (*Recorder, error) {
	r := &Recorder{st: s}
	if err := r.setTracks(tracks); err != nil {
		return nil, fmt.Errorf("fragments: camera %q: %w", camera, err)
	}
	c, err := s.camera(camera, true)
	if err != nil {
		return nil, err
	}
	r.c = c
	c.mu.Lock()
	if c.recorder != nil {
		c.mu.Unlock()
		return nil, fmt.Errorf("fragments: camera %q: %w", camera, ErrBusy)
	}
	c.recorder, c.recording = r, true
	c.mu.Unlock()
	// The flag tells the next Open that a crash left a hole.
	if err := s.Flush(); err != nil {
		c.mu.Lock()
		c.recorder, c.recording = nil, false
		c.mu.Unlock()
		return nil, err
	}
	return r, nil
}

func (r *Recorder) setTracks(tracks []Track) error {
	if len(tracks) == 0 {
		return fmt.Errorf("%w: no tracks", ErrInvalidArgument)
	}
	var ts []*track
	var lead *track
	seen := map[int]bool{}
	for _, t := range tracks {
		tr, err := newTrack(t)
		if err != nil {
			return err
		}
		if seen[t.ID] {
			return fmt.Errorf("%w: track id %d twice", ErrInvalidArgument, t.ID)
		}
		seen[t.ID] = true
		if lead == nil || (tr.video && !lead.video) {
			lead = tr
		}
		ts = append(ts, tr)
	}
	r.tracks, r.lead, r.newInit = ts, lead, true
	return nil
}

// SetTracks replaces the tracks (a new session description): the current
// fragment is written, and the next starts a new segment file with a new
// init segment.
func (r *Recorder) SetTracks(tracks []Track) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	r.finish()
	return r.setTracks(tracks)
}

// WriteFrame stores a frame. Bad input is refused with ErrInvalidArgument
// and leaves the recording as it was; a failed or refused write is not an
// error of the caller's: it drops the fragment, opens a gap with the
// reason, and recording resumes at a later keyframe by itself.
func (r *Recorder) WriteFrame(f Frame) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	var t *track
	for _, x := range r.tracks {
		if x.ID == f.Track {
			t = x
		}
	}
	if t == nil {
		return fmt.Errorf("fragments: %w: no track %d", ErrInvalidArgument, f.Track)
	}
	if f.Received.IsZero() {
		f.Received = r.st.opts.Clock()
	}
	s, err := t.toSample(&f)
	r.c.mu.Lock()
	r.c.stats.FramesReceived++
	r.c.stats.BytesReceived += frameBytes(&f)
	if s == nil {
		r.c.stats.FramesDropped++
	}
	r.c.mu.Unlock()
	if err != nil || s == nil {
		return err
	}
	if p := t.prev; p != nil {
		d := s.dts - p.dts
		p.dur = uint32(max(0, min(t.ticks(d), 1<<31)))
		if d < 0 || d > maxFrameGap {
			s.jump = fmt.Sprintf("track %d: DTS moved by %v between two frames", t.ID, d)
			p.dur = t.defaultDur(p)
		}
		if p.dur > 0 {
			t.lastDur = p.dur
		}
		r.place(t, p)
	}
	t.prev = s
	return nil
}

// place adds a sample whose duration is known to the fragment, first
// writing the fragment when the sample is a lead keyframe that ends it.
//
// A sample with new parameter sets starts a new init segment: on the lead
// track it also ends the fragment, so that the samples before it keep
// theirs.
func (r *Recorder) place(t *track, s *sample) {
	changed := s.codec != nil && !sameCodec(s.codec, t.Codec)
	if t == r.lead && s.key && (r.frag == nil || changed || r.fragmentDone()) {
		r.writeFragment()
		r.frag = &building{received: s.received, producer: s.producer}
	}
	if changed {
		t.Codec, r.newInit = s.codec, true
	}
	if r.frag == nil && t != r.lead {
		// Audio may come in before the lead keyframe it follows is placed
		// (that waits for the next video frame): the fragment starts with
		// that keyframe.
		if k := r.lead.prev; k != nil && k.key && (k.codec == nil || sameCodec(k.codec, r.lead.Codec)) {
			r.frag = &building{received: k.received, producer: k.producer}
		}
	}
	if r.frag != nil && s.jump != "" && r.frag.jump == "" {
		r.frag.jump = s.jump
	}
	b := r.frag
	if b == nil || b.bytes+len(s.payload) > maxBuildBytes {
		r.c.mu.Lock()
		r.c.stats.FramesDropped++
		r.c.mu.Unlock()
		return
	}
	var pt *fmp4.PartTrack
	for _, x := range b.parts {
		if x.ID == t.ID {
			pt = x
		}
	}
	if pt == nil {
		pt = &fmp4.PartTrack{ID: t.ID, BaseTime: t.decode}
		b.parts = append(b.parts, pt)
	}
	pt.Samples = append(pt.Samples, &fmp4.Sample{Duration: s.dur, PTSOffset: s.ptsOffset, IsNonSyncSample: !s.key, Payload: s.payload})
	t.decode += uint64(s.dur)
	b.frames++
	b.bytes += len(s.payload)
	if t.video && s.key {
		b.keyframes++
	}
	if t == r.lead {
		b.leadTicks += int64(s.dur)
	}
}

func (r *Recorder) fragmentDone() bool {
	r.c.mu.RLock()
	target := r.c.cfg.FragmentTarget
	r.c.mu.RUnlock()
	return r.frag.leadTicks >= r.lead.ticks(target)
}

// finish places every held sample with an estimated duration and writes
// the fragment: the recording stops here for now.
func (r *Recorder) finish() {
	for _, t := range r.tracks {
		if p := t.prev; p != nil {
			p.dur = t.defaultDur(p)
			t.prev = nil
			r.place(t, p)
		}
	}
	r.writeFragment()
	r.frag = nil
}

// Interrupt writes what the recorder holds and opens a gap with the
// reason (frames stopped while the session stays up: ReasonNetwork). The
// next fragment closes the gap.
func (r *Recorder) Interrupt(reason Reason, detail string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	r.finish()
	r.c.mu.Lock()
	opened := r.c.openGapLocked(reason, detail, r.st.opts.Clock())
	r.c.mu.Unlock()
	if opened {
		return r.st.Flush()
	}
	return nil
}

// Close writes what the recorder holds, closes the segment file, and opens
// a gap with the reason (ReasonCameraOffline if empty), closed by the
// camera's next recording.
func (r *Recorder) Close(reason Reason, detail string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	r.closed = true
	r.finish()
	var err error
	if r.seg != nil {
		err = r.seg.f.Close()
		r.seg = nil
	}
	r.c.mu.Lock()
	r.c.active = 0
	r.c.mu.Unlock()
	if reason == "" {
		reason = ReasonCameraOffline
	}
	r.c.mu.Lock()
	r.c.openGapLocked(reason, detail, r.st.opts.Clock())
	r.c.recorder, r.c.recording = nil, false
	r.c.mu.Unlock()
	if ferr := r.st.Flush(); ferr != nil && !errors.Is(ferr, ErrClosed) {
		err = errors.Join(err, ferr)
	}
	return err
}

// refuse drops the fragment being built and opens a gap.
func (r *Recorder) refuse(reason Reason, detail string) {
	r.c.mu.Lock()
	opened := r.c.openGapLocked(reason, detail, r.frag.received)
	r.c.stats.FramesDropped += int64(r.frag.frames)
	r.c.mu.Unlock()
	if opened {
		if err := r.st.Flush(); err != nil {
			r.st.log.Error("video index commit failed", "camera", r.c.name, "err", err)
		}
	}
}

// writeFragment writes and fsyncs the fragment being built, if any.
func (r *Recorder) writeFragment() {
	b := r.frag
	if b == nil || b.frames == 0 {
		return
	}
	r.frag = nil
	c := r.c
	c.mu.RLock()
	cfg := c.cfg
	c.mu.RUnlock()
	init, err := r.initSegment()
	if err != nil {
		r.frag = b
		r.refuse(ReasonStorageError, err.Error())
		r.frag = nil
		return
	}
	// An upper bound of what the fragment and, should it start a new
	// segment file, its init segment take.
	need := int64(b.bytes) + fragmentOverhead(len(b.parts), b.frames) + int64(len(init))
	if g := r.st.opts.Guard; g != nil {
		if err := g.AllowWrite(c.name, need); err != nil {
			r.frag = b
			r.refuse(ReasonDiskFull, err.Error())
			r.frag = nil
			return
		}
	}
	if r.seg != nil && (r.newInit || b.received.Sub(r.seg.info.firstTime) >= cfg.SegmentSpan ||
		r.seg.info.size+need > cfg.SegmentBytes) {
		r.closeSegment()
	}
	if cfg.MaxBytes > 0 {
		if ok, detail := r.makeRoom(cfg, need); !ok {
			r.frag = b
			r.refuse(ReasonStoreFull, detail)
			r.frag = nil
			return
		}
	}
	if err := r.appendFragment(b, init); err != nil {
		reason := ReasonStorageError
		if errors.Is(err, syscall.ENOSPC) {
			reason = ReasonDiskFull
		}
		r.frag = b
		r.refuse(reason, err.Error())
		r.frag = nil
		r.st.log.Error("video fragment not stored", "camera", c.name, "err", err)
	}
}

// makeRoom deletes the camera's oldest segment files until need bytes fit
// under max_bytes, or says why they cannot.
func (r *Recorder) makeRoom(cfg CameraConfig, need int64) (bool, string) {
	c := r.c
	for {
		c.mu.RLock()
		used, n := c.bytes, len(c.segs)
		c.mu.RUnlock()
		if used+need <= cfg.MaxBytes {
			return true, ""
		}
		if cfg.OnFull == RefuseNew {
			return false, fmt.Sprintf("max_bytes %d reached (%d used)", cfg.MaxBytes, used)
		}
		if n == 0 || (n == 1 && r.seg != nil) {
			if r.seg == nil {
				return false, fmt.Sprintf("a fragment of %d bytes does not fit in max_bytes %d", need, cfg.MaxBytes)
			}
			r.closeSegment()
		}
		if err := r.st.deleteOldest(c); err != nil {
			return false, fmt.Sprintf("retention could not delete the oldest segment: %v", err)
		}
		c.mu.RLock()
		freed := c.bytes < used
		c.mu.RUnlock()
		if !freed {
			return false, fmt.Sprintf("max_bytes %d reached and nothing left to delete (%d used)", cfg.MaxBytes, used)
		}
	}
}

func (r *Recorder) closeSegment() {
	if r.seg != nil {
		r.c.mu.Lock()
		r.c.active = 0
		r.c.mu.Unlock()
		if err := r.seg.f.Close(); err != nil {
			r.st.log.Warn("video segment close", "camera", r.c.name, "err", err)
		}
		r.seg = nil
	}
}

// appendFragment writes b to the open segment file (a new one first if
// needed) and makes it durable: the file fsync'd, and for a new file its
// directory too.
func (r *Recorder) appendFragment(b *building, init []byte) error {
	c := r.c
	r.buf.Reset()
	fresh := r.seg == nil
	if fresh {
		c.mu.Lock()
		id := c.nextSeg
		c.nextSeg++
		c.mu.Unlock()
		f, err := os.OpenFile(segmentPath(c.dir, id), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		r.seg = &openSegment{info: &segInfo{id: id, initSize: int64(len(init)), codecs: r.codecNames()}, f: f}
		r.buf.Write(init)
		r.newInit = false
	}
	seg := r.seg
	c.mu.Lock()
	num := c.next
	c.next++
	server := c.serverStart(b.received)
	c.mu.Unlock()
	lead := time.Duration(b.leadTicks) * time.Second / time.Duration(r.lead.timescale)
	part := &fmp4.Part{SequenceNumber: uint32(num), Tracks: b.parts}
	tr := trailer{Number: num, Server: server, Producer: b.producer, Duration: lead,
		Frames: uint32(b.frames), Keyframes: uint32(b.keyframes)}
	if b.jump != "" {
		tr.Flags |= flagJump
	}
	if err := appendFragment(&r.buf, part, tr); err != nil {
		return r.undo(fresh, err)
	}
	data := r.buf.Bytes()
	off := seg.info.size
	if _, err := seg.f.WriteAt(data, off); err != nil {
		return r.undo(fresh, err)
	}
	if err := seg.f.Sync(); err != nil {
		return r.undo(fresh, err)
	}
	if fresh {
		if err := durable.SyncDir(c.dir); err != nil {
			return r.undo(fresh, err)
		}
	}
	fragOff := off
	if fresh {
		fragOff = seg.info.initSize
	}
	fr := Fragment{Camera: c.name, Number: num, Server: server, Producer: b.producer, Duration: lead,
		Size: off + int64(len(data)) - fragOff - trailerSize, Frames: b.frames, Keyframes: b.keyframes,
		Segment: seg.info.id, Offset: fragOff}
	c.mu.Lock()
	if fresh {
		c.segs = append(c.segs, seg.info)
		c.active = seg.info.id
	}
	c.addFragmentLocked(fr, seg.info, b.jump)
	c.stats.BytesWritten += int64(len(data))
	c.stats.Fsyncs++
	c.mu.Unlock()
	return nil
}

// undo takes a failed write back out of the segment file, so that the
// file ends with its last complete fragment.
func (r *Recorder) undo(fresh bool, cause error) error {
	seg := r.seg
	if fresh {
		seg.f.Close()
		os.Remove(seg.f.Name())
		r.seg = nil
		r.newInit = true
		return cause
	}
	if err := seg.f.Truncate(seg.info.size); err != nil {
		// The file cannot be trusted past here: start a new one.
		r.closeSegment()
		return errors.Join(cause, err)
	}
	return cause
}

// initSegment returns the init segment of the tracks as they are now.
func (r *Recorder) initSegment() ([]byte, error) {
	var its []initTrack
	for _, t := range r.tracks {
		if _, _, err := t.Codec.mp4(); err != nil {
			continue // no parameter sets yet, so no samples either
		}
		its = append(its, initTrack{id: t.ID, timescale: t.timescale, codec: t.Codec})
	}
	return marshalInit(its)
}

func (r *Recorder) codecNames() string {
	names := ""
	for _, t := range r.tracks {
		if _, _, err := t.Codec.mp4(); err == nil {
			if names != "" {
				names += ","
			}
			names += t.Codec.String()
		}
	}
	return names
}

// fragmentOverhead bounds the bytes of a fragment beyond its samples: the
// moof (mfhd; per track a traf with tfhd, a version 1 tfdt and a trun with
// a data offset; per sample a duration, size, flags and composition
// offset), the mdat header and the trailer.
func fragmentOverhead(tracks, samples int) int64 {
	return int64(8+16+tracks*(8+16+20+20)+samples*16+8) + trailerSize
}
