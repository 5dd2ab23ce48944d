package fragments

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4"
	bolt "go.etcd.io/bbolt"

	"github.com/tidegate/tidegate/internal/durable"
)

// recoverAll loads every camera the index or the directory knows and
// reconciles the two, then commits what it recovered.
func (s *Store) recoverAll() error {
	names := map[string]bool{}
	if err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCameras).ForEachBucket(func(k []byte) error {
			names[string(k)] = true
			return nil
		})
	}); err != nil {
		return fmt.Errorf("fragments: index: %w", err)
	}
	entries, err := os.ReadDir(s.cameraDirs())
	if err != nil {
		return fmt.Errorf("fragments: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() && ValidCameraName(e.Name()) {
			names[e.Name()] = true
		}
	}
	for name := range names {
		c := newCamera(s, name)
		if err := s.recoverCamera(c); err != nil {
			return fmt.Errorf("fragments: camera %q: %w", name, err)
		}
		s.cameras[name] = c
	}
	return s.Flush()
}

func (s *Store) cameraDirs() string { return s.dir + string(os.PathSeparator) + "cameras" }

// recoverCamera loads a camera from the index and makes the index and its
// segment files agree: every complete, checksummed fragment in a file is
// indexed; a torn tail is cut; an index entry whose bytes are gone is
// removed; each repair is reported. A camera that was recording when the
// store stopped gets a gap of reason restart.
func (s *Store) recoverCamera(c *camera) error {
	var indexed []*segInfo
	if err := s.db.View(func(tx *bolt.Tx) error {
		b, err := buckets(tx, c.name)
		if b == nil || err != nil {
			return err
		}
		c.next = max(1, b.metaU64(keyNext))
		c.nextSeg = max(1, b.metaU64(keyNextSeg))
		c.floor = b.metaU64(keyFloor)
		c.gapSeq = b.metaU64(keyGapSeq)
		c.recording = b.metaU64(keyRecording) == 1
		c.committedMeta = meta{c.next, c.nextSeg, c.floor, c.gapSeq, c.recording}
		if err := b.segs.ForEach(func(k, v []byte) error {
			seg, err := decodeSeg(be64(k), v)
			indexed = append(indexed, seg)
			return err
		}); err != nil {
			return err
		}
		if k, v := b.frags.Cursor().Last(); k != nil {
			var err error
			if c.last, err = decodeFragment(c.name, v); err != nil {
				return err
			}
		}
		// The open gap, if any: not always the last by start, since a
		// clock stepped back can start a later gap earlier.
		return b.gaps.ForEach(func(k, v []byte) error {
			g, err := decodeGap(k, v)
			if err == nil && g.Open() && (c.openGap == nil || g.seq > c.openGap.seq) {
				c.openGap = &g
			}
			return err
		})
	}); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	if err := mkdirDurable(c.dir); err != nil {
		return err
	}
	files, err := listSegmentFiles(c.dir)
	if err != nil {
		return err
	}
	var drop []Fragment   // index entries whose bytes are gone
	var dropSegs []uint64 // segment records to delete
	for id := range files {
		if id < c.floor {
			// Retention committed the deletion, then stopped before the
			// unlink (or a power cut undid it): finish it.
			if err := s.removeSegment(c, id); err != nil {
				return err
			}
			delete(files, id)
			s.report(Damage{c.name, id, "removed a segment file that retention had deleted from the index"})
		}
	}
	for _, seg := range indexed {
		if seg.id < c.floor {
			dropSegs = append(dropSegs, seg.id)
			continue
		}
		size, ok := files[seg.id]
		if !ok || size < seg.size {
			lost, err := s.indexedFragments(c.name, seg.first, seg.last)
			if err != nil {
				return err
			}
			var kept []Fragment
			for _, f := range lost {
				if ok && f.Offset+f.Size+trailerSize <= size {
					kept = append(kept, f)
				} else {
					drop = append(drop, f)
				}
			}
			s.report(Damage{c.name, seg.id, fmt.Sprintf("segment file holds %d of the %d indexed bytes: %d indexed fragments removed",
				size, seg.size, len(lost)-len(kept))})
			if !ok {
				dropSegs = append(dropSegs, seg.id)
				continue
			}
			seg.first, seg.last, seg.size = 0, 0, seg.initSize
			for _, f := range kept {
				if seg.first == 0 {
					seg.first, seg.firstTime = f.Number, f.Server
				}
				seg.last, seg.lastEnd, seg.size = f.Number, f.End(), f.Offset+f.Size+trailerSize
			}
			seg.indexed = -1 // rewrite its record
		}
		c.segs = append(c.segs, seg)
		delete(files, seg.id)
	}
	for id := range files {
		c.segs = append(c.segs, &segInfo{id: id})
	}
	sort.Slice(c.segs, func(i, j int) bool { return c.segs[i].id < c.segs[j].id })
	if len(drop) > 0 {
		// The newest fragment may be among those dropped.
		c.last = Fragment{}
		if err := s.lastIndexed(c, drop); err != nil {
			return err
		}
	}
	torn, err := s.scanTails(c, files)
	if err != nil {
		return err
	}
	live := c.segs[:0]
	for _, seg := range c.segs {
		if seg.first == 0 {
			// No complete fragment: an init written just before a crash.
			if err := s.removeSegment(c, seg.id); err != nil {
				return err
			}
			if seg.recorded {
				dropSegs = append(dropSegs, seg.id)
			}
			continue
		}
		live = append(live, seg)
		c.bytes += seg.size
		c.nextSeg = max(c.nextSeg, seg.id+1)
	}
	c.segs = live
	if c.last.Number >= c.next {
		c.next = c.last.Number + 1
	}
	if len(drop) > 0 || len(dropSegs) > 0 {
		if err := s.db.Update(func(tx *bolt.Tx) error {
			b, err := buckets(tx, c.name)
			if err != nil {
				return err
			}
			for i := range drop {
				if err := b.deleteFragment(&drop[i]); err != nil {
					return err
				}
			}
			for _, id := range dropSegs {
				if err := b.segs.Delete(u64(id)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return fmt.Errorf("index: %w", err)
		}
	}
	if c.recording {
		detail := "the gateway stopped while recording"
		if torn > 0 {
			detail += fmt.Sprintf("; %d bytes of an unfinished fragment were cut", torn)
		}
		c.openGapLocked(ReasonRestart, detail, s.opts.Clock())
		c.recording = false
	}
	return nil
}

// lastIndexed sets c.last to the newest indexed fragment not in drop.
func (s *Store) lastIndexed(c *camera, drop []Fragment) error {
	gone := map[uint64]bool{}
	for _, f := range drop {
		gone[f.Number] = true
	}
	return s.db.View(func(tx *bolt.Tx) error {
		b, err := buckets(tx, c.name)
		if b == nil || err != nil {
			return err
		}
		cur := b.frags.Cursor()
		for k, v := cur.Last(); k != nil; k, v = cur.Prev() {
			if !gone[be64(k)] {
				c.last, err = decodeFragment(c.name, v)
				return err
			}
		}
		return nil
	})
}

// scanTails reads each segment file past what the index holds, indexes
// the complete fragments it finds and cuts what follows them. It returns
// the number of torn bytes cut.
func (s *Store) scanTails(c *camera, fresh map[uint64]int64) (int64, error) {
	var torn int64
	for _, seg := range c.segs {
		path := segmentPath(c.dir, seg.id)
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return torn, err
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return torn, err
		}
		res, err := scanSegment(f, fi.Size(), seg.size)
		if err != nil {
			f.Close()
			if seg.first != 0 {
				return torn, fmt.Errorf("segment %s: indexed fragments, but %w", path, err)
			}
			s.report(Damage{c.name, seg.id, fmt.Sprintf("removed a segment file without a readable init segment (%d bytes): %v", fi.Size(), err)})
			seg.first = 0
			continue
		}
		seg.initSize, seg.codecs = int64(len(res.init)), codecNames(res.tracks)
		if seg.size == 0 {
			seg.size = seg.initSize
		}
		for _, sf := range res.frags {
			if sf.Number <= c.last.Number {
				res.problem = fmt.Errorf("fragment number %d after %d", sf.Number, c.last.Number)
				res.end = sf.off
				break
			}
			fr := Fragment{Camera: c.name, Number: sf.Number, Server: sf.Server, Producer: sf.Producer,
				Duration: sf.Duration, Size: sf.size - trailerSize, Frames: int(sf.Frames),
				Keyframes: int(sf.Keyframes), Segment: seg.id, Offset: sf.off}
			if seg.first == 0 {
				seg.first, seg.firstTime = fr.Number, fr.Server
			}
			seg.last, seg.lastEnd, seg.size = fr.Number, fr.End(), sf.off+sf.size
			jump := ""
			if sf.Flags&flagJump != 0 {
				jump = "the camera's timestamps jumped (recovered after a crash)"
			}
			c.noteGapsLocked(fr, jump)
			c.tail = append(c.tail, fr)
			c.last = fr
		}
		if res.end < fi.Size() {
			cut := fi.Size() - res.end
			torn += cut
			if err := f.Truncate(res.end); err != nil {
				f.Close()
				return torn, err
			}
			if err := f.Sync(); err != nil {
				f.Close()
				return torn, err
			}
			s.report(Damage{c.name, seg.id, fmt.Sprintf("cut %d bytes after byte %d: %v", cut, res.end, res.problem)})
		}
		if len(res.frags) > 0 {
			s.log.Info("video fragments recovered from a segment file", "camera", c.name, "segment", seg.id, "fragments", len(res.frags))
		}
		if err := f.Close(); err != nil {
			return torn, err
		}
	}
	return torn, nil
}

// removeSegment deletes a segment file and makes the deletion durable.
func (s *Store) removeSegment(c *camera, id uint64) error {
	if err := os.Remove(segmentPath(c.dir, id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return durable.SyncDir(c.dir)
}

func (s *Store) indexedFragments(camera string, first, last uint64) ([]Fragment, error) {
	var out []Fragment
	if first == 0 {
		return nil, nil
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := buckets(tx, camera)
		if b == nil || err != nil {
			return err
		}
		out, err = b.fragmentsOf(camera, first, last)
		return err
	})
	return out, err
}

// listSegmentFiles returns the sizes of a camera's segment files by id.
func listSegmentFiles(dir string) (map[uint64]int64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[uint64]int64{}
	for _, e := range entries {
		id, ok := parseSegmentName(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			return nil, err
		}
		out[id] = fi.Size()
	}
	return out, nil
}

func codecNames(tracks []*fmp4.InitTrack) string {
	var names []string
	for _, t := range tracks {
		switch t.Codec.(type) {
		case *mp4.CodecH264:
			names = append(names, "h264")
		case *mp4.CodecH265:
			names = append(names, "hevc")
		case *mp4.CodecMJPEG:
			names = append(names, "mjpeg")
		case *mp4.CodecMPEG4Audio:
			names = append(names, "aac")
		case *mp4.CodecOpus:
			names = append(names, "opus")
		case *mp4.CodecLPCM:
			names = append(names, "pcm_s16be")
		default:
			names = append(names, "other")
		}
	}
	return strings.Join(names, ",")
}
