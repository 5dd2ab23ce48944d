package fragments

import (
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CameraInfo describes a camera's recording.
type CameraInfo struct {
	Name      string
	Recording bool
	Config    CameraConfig
	Oldest    time.Time // server time of the oldest fragment kept
	Newest    time.Time // end of the newest fragment
	Next      uint64    // the number the next fragment will get
	Bytes     int64     // bytes of its segment files
	Segments  int
	Codecs    string // of the newest segment: "h264,aac"
	OpenGap   *Gap   // set while the recording is stopped
	Stats     Stats
}

// Cameras lists every camera that has a recording or a configuration.
func (s *Store) Cameras() []CameraInfo {
	var out []CameraInfo
	for _, c := range s.cameraList() {
		out = append(out, c.info())
	}
	return out
}

// Camera describes one camera.
func (s *Store) Camera(name string) (CameraInfo, error) {
	c, err := s.camera(name, false)
	if err != nil {
		return CameraInfo{}, err
	}
	return c.info(), nil
}

func (c *camera) info() CameraInfo {
	c.mu.RLock()
	defer c.mu.RUnlock()
	ci := CameraInfo{Name: c.name, Recording: c.recorder != nil, Config: c.cfg, Next: c.next,
		Bytes: c.bytes, Segments: len(c.segs), Stats: c.stats}
	if n := len(c.segs); n > 0 {
		ci.Oldest, ci.Newest, ci.Codecs = c.segs[0].firstTime, c.segs[n-1].lastEnd, c.segs[n-1].codecs
	}
	if c.openGap != nil {
		g := c.openGap.Gap
		ci.OpenGap = &g
	}
	return ci
}

// Query selects fragments: those whose media overlaps [Start, End) on the
// server clock (a zero bound is open), numbered above After (to page),
// at most Limit of them (0: all).
type Query struct {
	Start, End time.Time
	After      uint64
	Limit      int
}

func (q *Query) overlaps(f *Fragment) bool {
	return (q.End.IsZero() || f.Server.Before(q.End)) && (q.Start.IsZero() || f.End().After(q.Start))
}

// past says whether no later fragment can overlap the query: numbers and
// server times grow together, within gapTolerance.
func (q *Query) past(f *Fragment) bool {
	return !q.End.IsZero() && !f.Server.Before(q.End.Add(gapTolerance))
}

// Fragments returns the camera's fragments that q selects, by number.
func (s *Store) Fragments(camera string, q Query) ([]Fragment, error) {
	c, err := s.camera(camera, false)
	if err != nil {
		return nil, err
	}
	// The tail first: a fragment leaves it only after its index commit.
	c.mu.RLock()
	tail := append([]Fragment(nil), c.tail...)
	c.mu.RUnlock()
	var out []Fragment
	err = s.db.View(func(tx *bolt.Tx) error {
		b, err := buckets(tx, camera)
		if b == nil || err != nil {
			return err
		}
		first := q.After + 1
		if !q.Start.IsZero() {
			first = max(first, firstOverlapping(b, q.Start))
		}
		cur := b.frags.Cursor()
		for k, v := cur.Seek(u64(first)); k != nil; k, v = cur.Next() {
			f, err := decodeFragment(camera, v)
			if err != nil {
				return err
			}
			if q.past(&f) || (q.Limit > 0 && len(out) >= q.Limit) {
				return nil
			}
			if q.overlaps(&f) {
				out = append(out, f)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fragments: %w", err)
	}
	last := q.After
	if n := len(out); n > 0 {
		last = out[n-1].Number
	}
	for i := range tail {
		f := &tail[i]
		if f.Number <= last || !q.overlaps(f) || (q.Limit > 0 && len(out) >= q.Limit) {
			continue
		}
		out = append(out, *f)
	}
	return out, nil
}

// firstOverlapping returns the number of the first fragment that may
// overlap t: the last one starting at or before t, less the tolerance.
func firstOverlapping(b *cameraBuckets, t time.Time) uint64 {
	cur := b.time.Cursor()
	k, _ := cur.Seek(timeKey(t.Add(-gapTolerance), 0))
	if k == nil {
		k, _ = cur.Last()
	} else {
		k, _ = cur.Prev()
	}
	if _, n, ok := parseTimeKey(k); ok {
		return n
	}
	return 0
}

// Gaps returns the camera's gaps that overlap [start, end) (zero bounds
// are open; an open gap reaches to now), by start.
func (s *Store) Gaps(camera string, start, end time.Time) ([]Gap, error) {
	c, err := s.camera(camera, false)
	if err != nil {
		return nil, err
	}
	all := map[uint64]gapEntry{}
	err = s.db.View(func(tx *bolt.Tx) error {
		b, err := buckets(tx, camera)
		if b == nil || err != nil {
			return err
		}
		return b.gaps.ForEach(func(k, v []byte) error {
			g, err := decodeGap(k, v)
			all[g.seq] = g
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("fragments: %w", err)
	}
	c.mu.RLock()
	for seq, g := range c.gaps {
		all[seq] = g
	}
	c.mu.RUnlock()
	var sel []gapEntry
	for _, g := range all {
		if (end.IsZero() || g.Start.Before(end)) && (start.IsZero() || g.Open() || !g.End.Before(start)) {
			sel = append(sel, g)
		}
	}
	sort.Slice(sel, func(i, j int) bool {
		if !sel[i].Start.Equal(sel[j].Start) {
			return sel[i].Start.Before(sel[j].Start)
		}
		return sel[i].seq < sel[j].seq
	})
	out := make([]Gap, len(sel))
	for i := range sel {
		out[i] = sel[i].Gap
	}
	return out, nil
}

// Fragment returns the fragment numbered n.
func (s *Store) Fragment(camera string, n uint64) (Fragment, error) {
	c, err := s.camera(camera, false)
	if err != nil {
		return Fragment{}, err
	}
	return s.lookup(c, n, false)
}

// lookup returns fragment n, or with next the first numbered n or above.
func (s *Store) lookup(c *camera, n uint64, next bool) (Fragment, error) {
	c.mu.RLock()
	tail := append([]Fragment(nil), c.tail...)
	c.mu.RUnlock()
	var f Fragment
	found := false
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := buckets(tx, c.name)
		if b == nil || err != nil {
			return err
		}
		k, v := b.frags.Cursor().Seek(u64(n))
		if k != nil && (next || be64(k) == n) {
			f, err = decodeFragment(c.name, v)
			found = err == nil
		}
		return err
	})
	if err != nil {
		return f, fmt.Errorf("fragments: %w", err)
	}
	for i := range tail {
		if found && tail[i].Number >= f.Number {
			break
		}
		if tail[i].Number == n || (next && tail[i].Number > n) {
			f, found = tail[i], true
			break
		}
	}
	if !found {
		return f, fmt.Errorf("%w: camera %q fragment %d", ErrNotFound, c.name, n)
	}
	return f, nil
}

// Media is a fragment's bytes: the init segment of its segment file, and
// the fragment (moof and mdat). Init followed by Data is an fMP4 file that
// ffprobe and browsers play.
type Media struct {
	Fragment
	Init []byte
	Data []byte
}

// ReadFragment reads fragment n and checks its checksum (ErrCorrupt).
func (s *Store) ReadFragment(camera string, n uint64) (*Media, error) {
	f, err := s.Fragment(camera, n)
	if err != nil {
		return nil, err
	}
	return s.readMedia(f)
}

func (s *Store) readMedia(fr Fragment) (*Media, error) {
	c, err := s.camera(fr.Camera, false)
	if err != nil {
		return nil, err
	}
	file, err := os.Open(segmentPath(c.dir, fr.Segment))
	if os.IsNotExist(err) {
		return nil, fmt.Errorf("%w: camera %q fragment %d (deleted by retention)", ErrNotFound, fr.Camera, fr.Number)
	}
	if err != nil {
		return nil, fmt.Errorf("fragments: %w", err)
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return nil, fmt.Errorf("fragments: %w", err)
	}
	init, tracks, err := readInit(file, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("fragments: camera %q segment %d: %w", fr.Camera, fr.Segment, err)
	}
	b := make([]byte, fr.Size+trailerSize)
	if _, err := file.ReadAt(b, fr.Offset); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("fragments: camera %q fragment %d: %w: %v", fr.Camera, fr.Number, ErrCorrupt, err)
	}
	t, err := checkFragment(b, tracks)
	if err == nil && t.Number != fr.Number {
		err = fmt.Errorf("%w: the bytes hold fragment %d", ErrCorrupt, t.Number)
	}
	if err != nil {
		return nil, fmt.Errorf("fragments: camera %q fragment %d: %w", fr.Camera, fr.Number, err)
	}
	return &Media{Fragment: fr, Init: init, Data: b[:fr.Size]}, nil
}
