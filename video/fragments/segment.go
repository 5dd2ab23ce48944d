package fragments

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"
)

// Segment files are named by their id, which grows by one per file and per
// camera: "<16 hex digits>.mp4". A codec change or the segment's span or
// size limit starts the next one; retention deletes whole files, oldest
// first.
const segmentExt = ".mp4"

func segmentName(id uint64) string { return fmt.Sprintf("%016x%s", id, segmentExt) }

func segmentPath(dir string, id uint64) string { return filepath.Join(dir, segmentName(id)) }

func parseSegmentName(name string) (uint64, bool) {
	hex, ok := strings.CutSuffix(name, segmentExt)
	if !ok || len(hex) != 16 {
		return 0, false
	}
	id, err := strconv.ParseUint(hex, 16, 64)
	return id, err == nil
}

// initTrack is a track as the init segment declares it.
type initTrack struct {
	id        int
	timescale uint32
	codec     Codec
}

// marshalInit encodes the init segment (ftyp, moov) of tracks.
func marshalInit(tracks []initTrack) ([]byte, error) {
	init := fmp4.Init{}
	for _, t := range tracks {
		c, _, err := t.codec.mp4()
		if err != nil {
			return nil, err
		}
		init.Tracks = append(init.Tracks, &fmp4.InitTrack{ID: t.id, TimeScale: t.timescale, Codec: c})
	}
	var buf seekablebuffer.Buffer
	if err := init.Marshal(&buf); err != nil {
		return nil, fmt.Errorf("init segment: %w", err)
	}
	return buf.Bytes(), nil
}

// appendFragment encodes part as moof and mdat, then its trailer, onto buf.
func appendFragment(buf *seekablebuffer.Buffer, part *fmp4.Part, t trailer) error {
	start := buf.Len()
	if _, err := buf.Seek(0, io.SeekEnd); err != nil {
		return err
	}
	if err := part.Marshal(buf); err != nil {
		return fmt.Errorf("fragment %d: %w", t.Number, err)
	}
	if _, err := buf.Seek(0, io.SeekEnd); err != nil {
		return err
	}
	_, err := buf.Write(t.appendTo(make([]byte, 0, trailerSize), buf.Bytes()[start:]))
	return err
}

// scannedFragment is a complete fragment found in a segment file.
type scannedFragment struct {
	off, size int64 // moof to the end of the trailer
	moofSize  int64
	trailer
}

// scanResult is what a segment file holds.
type scanResult struct {
	init    []byte // ftyp and moov
	tracks  []*fmp4.InitTrack
	frags   []scannedFragment
	end     int64 // end of the last complete fragment, or of the init
	problem error // why the scan stopped before the end of the file
}

// scanSegment reads a segment file's init, then its fragments from offset
// from (the init's end if smaller), and stops at the first one that is
// incomplete, fails its checksum or does not parse. It never panics on
// hostile bytes: the fuzz test feeds it any.
func scanSegment(r io.ReaderAt, size, from int64) (res scanResult, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: scanning panicked: %v", ErrCorrupt, p)
		}
	}()
	init, tracks, err := readInit(r, size)
	if err != nil {
		return res, err
	}
	res.init, res.tracks = init, tracks
	res.end = max(from, int64(len(init)))
	for res.end < size {
		f, err := readFragment(r, res.end, size, tracks)
		if err != nil {
			res.problem = fmt.Errorf("at byte %d: %w", res.end, err)
			break
		}
		res.frags = append(res.frags, f)
		res.end += f.size
	}
	return res, nil
}

// readInit reads and parses the ftyp and moov boxes at the start of a file.
func readInit(r io.ReaderAt, size int64) ([]byte, []*fmp4.InitTrack, error) {
	ftyp, err := readBox(r, 0, size)
	if err != nil || ftyp.typ != "ftyp" {
		return nil, nil, fmt.Errorf("%w: no ftyp box (%v)", ErrCorrupt, err)
	}
	moov, err := readBox(r, ftyp.size, size)
	if err != nil || moov.typ != "moov" || ftyp.size+moov.size > 1<<20 {
		return nil, nil, fmt.Errorf("%w: no moov box after ftyp (%v)", ErrCorrupt, err)
	}
	b := make([]byte, ftyp.size+moov.size)
	if _, err := r.ReadAt(b, 0); err != nil {
		return nil, nil, err
	}
	var init fmp4.Init
	if err := init.Unmarshal(bytes.NewReader(b)); err != nil {
		return nil, nil, fmt.Errorf("%w: init segment: %v", ErrCorrupt, err)
	}
	return b, init.Tracks, nil
}

// readFragment reads and checks the fragment at off.
func readFragment(r io.ReaderAt, off, size int64, tracks []*fmp4.InitTrack) (scannedFragment, error) {
	f := scannedFragment{off: off}
	moof, err := readBox(r, off, size)
	if err != nil {
		return f, err
	}
	if moof.typ != "moof" || moof.size > maxFragmentBytes {
		return f, fmt.Errorf("%w: %q box of %d bytes where a moof belongs", ErrCorrupt, moof.typ, moof.size)
	}
	mdat, err := readBox(r, off+moof.size, size)
	if err != nil {
		return f, err
	}
	if mdat.typ != "mdat" || moof.size+mdat.size+trailerSize > maxFragmentBytes {
		return f, fmt.Errorf("%w: %q box of %d bytes where an mdat belongs", ErrCorrupt, mdat.typ, mdat.size)
	}
	f.moofSize = moof.size
	f.size = moof.size + mdat.size + trailerSize
	if f.size > size-off {
		return f, io.ErrUnexpectedEOF
	}
	b := make([]byte, f.size)
	if _, err := r.ReadAt(b, off); err != nil {
		return f, err
	}
	f.trailer, err = checkFragment(b, tracks)
	return f, err
}

// checkFragment checks a fragment's bytes (moof, mdat, trailer): the
// trailer, the checksum, and that the moof parses and names the init's
// tracks.
func checkFragment(b []byte, tracks []*fmp4.InitTrack) (t trailer, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: parsing panicked: %v", ErrCorrupt, p)
		}
	}()
	if len(b) < trailerSize {
		return t, io.ErrUnexpectedEOF
	}
	media := b[:len(b)-trailerSize]
	if t, err = parseTrailer(b[len(media):]); err != nil {
		return t, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	fields := b[len(media) : len(b)-4]
	if sum := crc32.Update(crc32.Checksum(media, castagnoli), castagnoli, fields); sum != t.CRC {
		return t, fmt.Errorf("%w: fragment %d: checksum %08x, trailer says %08x", ErrCorrupt, t.Number, sum, t.CRC)
	}
	var parts fmp4.Parts
	if err := parts.Unmarshal(media); err != nil {
		return t, fmt.Errorf("%w: fragment %d: %v", ErrCorrupt, t.Number, err)
	}
	if len(parts) != 1 {
		return t, fmt.Errorf("%w: fragment %d: %d moofs", ErrCorrupt, t.Number, len(parts))
	}
	for _, pt := range parts[0].Tracks {
		if !hasTrack(tracks, pt.ID) {
			return t, fmt.Errorf("%w: fragment %d: track %d is not in the init segment", ErrCorrupt, t.Number, pt.ID)
		}
	}
	return t, nil
}

func hasTrack(tracks []*fmp4.InitTrack, id int) bool {
	for _, t := range tracks {
		if t.ID == id {
			return true
		}
	}
	return false
}
