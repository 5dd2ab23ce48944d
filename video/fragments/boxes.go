package fragments

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"time"
)

// A segment file is an fMP4 file: an init segment (ftyp, moov) and then
// fragments, each a moof, an mdat and a trailer. The trailer is a uuid box,
// which every MP4 reader skips, holding what the index needs to rebuild the
// fragment's entry after a crash, and a CRC-32C of the moof and mdat: a
// fragment is complete only if its trailer is there and the sum, which
// covers the trailer's own fields too, matches.
// At 70 bytes per fragment of 1–2 s it is the store's only per-fragment
// overhead beyond fMP4's own.

// trailerUUID marks Tidegate's fragment trailers.
var trailerUUID = [16]byte{0x74, 0x69, 0x64, 0x65, 0x67, 0x61, 0x74, 0x65, 0x2d, 0x66, 0x72, 0x61, 0x67, 0x2d, 0x76, 0x31}

const (
	trailerVersion = 1
	// size, "uuid", the UUID, version, flags, number, three times, two
	// counts, crc
	trailerSize = 8 + 16 + 1 + 1 + 8 + 8*3 + 4*2 + 4
	// flagJump: the camera's timestamps jumped at or within the fragment.
	flagJump  = 1
	boxHeader = 8
	// maxFragmentBytes bounds one fragment: a reader never allocates more
	// than this for a box a damaged file claims.
	maxFragmentBytes = 64 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// trailer is what a fragment's uuid box says of it.
type trailer struct {
	Number    uint64
	Server    time.Time
	Producer  time.Time // zero when the camera's clock is unknown
	Duration  time.Duration
	Frames    uint32
	Keyframes uint32
	Flags     byte
	CRC       uint32 // of the moof, the mdat and the trailer before it
}

func unixNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// appendTo appends the trailer, its CRC-32C taken over media (the moof
// and mdat before it) and its own fields.
func (t *trailer) appendTo(b []byte, media []byte) []byte {
	start := len(b)
	b = binary.BigEndian.AppendUint32(b, trailerSize)
	b = append(b, "uuid"...)
	b = append(b, trailerUUID[:]...)
	b = append(b, trailerVersion, t.Flags)
	b = binary.BigEndian.AppendUint64(b, t.Number)
	b = binary.BigEndian.AppendUint64(b, uint64(unixNanos(t.Server)))
	b = binary.BigEndian.AppendUint64(b, uint64(unixNanos(t.Producer)))
	b = binary.BigEndian.AppendUint64(b, uint64(t.Duration))
	b = binary.BigEndian.AppendUint32(b, t.Frames)
	b = binary.BigEndian.AppendUint32(b, t.Keyframes)
	t.CRC = crc32.Update(crc32.Checksum(media, castagnoli), castagnoli, b[start:])
	return binary.BigEndian.AppendUint32(b, t.CRC)
}

var errNoTrailer = errors.New("no fragment trailer")

func parseTrailer(b []byte) (trailer, error) {
	var t trailer
	if len(b) != trailerSize || binary.BigEndian.Uint32(b) != trailerSize || string(b[4:8]) != "uuid" ||
		[16]byte(b[8:24]) != trailerUUID || b[24] != trailerVersion {
		return t, errNoTrailer
	}
	t.Flags = b[25]
	p := b[26:]
	t.Number = binary.BigEndian.Uint64(p)
	t.Server = fromUnixNanos(int64(binary.BigEndian.Uint64(p[8:])))
	t.Producer = fromUnixNanos(int64(binary.BigEndian.Uint64(p[16:])))
	t.Duration = time.Duration(binary.BigEndian.Uint64(p[24:]))
	t.Frames = binary.BigEndian.Uint32(p[32:])
	t.Keyframes = binary.BigEndian.Uint32(p[36:])
	t.CRC = binary.BigEndian.Uint32(p[40:])
	if t.Server.IsZero() || t.Duration < 0 || t.Number == 0 {
		return t, fmt.Errorf("fragment trailer: number %d, server time %v, duration %v", t.Number, t.Server, t.Duration)
	}
	return t, nil
}

// box is the header of an MP4 box at off.
type box struct {
	typ  string
	off  int64
	size int64 // header included
}

// readBox reads the box header at off of a file of the given size; the box
// must fit in the file.
func readBox(r io.ReaderAt, off, fileSize int64) (box, error) {
	var h [16]byte
	if fileSize-off < boxHeader {
		return box{}, io.ErrUnexpectedEOF
	}
	if _, err := r.ReadAt(h[:8], off); err != nil {
		return box{}, err
	}
	b := box{typ: string(h[4:8]), off: off, size: int64(binary.BigEndian.Uint32(h[:4]))}
	switch b.size {
	case 0:
		return b, fmt.Errorf("box %q at %d: size 0 (to the end of file) is not written here", b.typ, off)
	case 1:
		if fileSize-off < 16 {
			return b, io.ErrUnexpectedEOF
		}
		if _, err := r.ReadAt(h[8:16], off+8); err != nil {
			return b, err
		}
		b.size = int64(binary.BigEndian.Uint64(h[8:16]))
		if b.size < 16 {
			return b, fmt.Errorf("box %q at %d: size %d", b.typ, off, b.size)
		}
	}
	if b.size < boxHeader {
		return b, fmt.Errorf("box %q at %d: size %d", b.typ, off, b.size)
	}
	if b.size > fileSize-off {
		return b, io.ErrUnexpectedEOF
	}
	return b, nil
}
