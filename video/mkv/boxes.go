package mkv

import (
	"encoding/binary"
	"errors"
)

// The codec configurations Matroska carries as CodecPrivate (the avcC and
// hvcC records) are stored as they are in the init segment's sample
// entries; they are read from its bytes rather than rebuilt from the
// parameter sets, so that every field the camera set survives.

var errBox = errors.New("malformed MP4 box")

// children calls fn for each box in b (the payload of a container):
// its type and its payload. It stops at the first malformed box.
func children(b []byte, fn func(typ string, payload []byte) error) error {
	for len(b) > 0 {
		if len(b) < 8 {
			return errBox
		}
		size := uint64(binary.BigEndian.Uint32(b))
		typ := string(b[4:8])
		hdr := uint64(8)
		switch size {
		case 0:
			size = uint64(len(b))
		case 1:
			if len(b) < 16 {
				return errBox
			}
			size, hdr = binary.BigEndian.Uint64(b[8:]), 16
		}
		if size < hdr || size > uint64(len(b)) {
			return errBox
		}
		if err := fn(typ, b[hdr:size]); err != nil {
			return err
		}
		b = b[size:]
	}
	return nil
}

// child returns the payload of the first box of a type in b.
func child(b []byte, typ string) ([]byte, bool) {
	var out []byte
	found := false
	children(b, func(t string, p []byte) error {
		if t == typ && !found {
			out, found = p, true
		}
		return nil
	})
	return out, found
}

// path follows a chain of box types from b.
func path(b []byte, types ...string) ([]byte, bool) {
	for _, t := range types {
		var ok bool
		if b, ok = child(b, t); !ok {
			return nil, false
		}
	}
	return b, true
}

// sampleEntries returns, by track ID, the sample entry of each track of
// an init segment (ftyp, moov): its type ("avc1", "hvc1", "mp4a", ...)
// and its child boxes, past the entry's fixed fields.
func sampleEntries(init []byte) (map[int]sampleEntry, error) {
	moov, ok := child(init, "moov")
	if !ok {
		return nil, errors.New("init segment without moov")
	}
	out := map[int]sampleEntry{}
	err := children(moov, func(typ string, trak []byte) error {
		if typ != "trak" {
			return nil
		}
		tkhd, ok := child(trak, "tkhd")
		if !ok || len(tkhd) < 4 {
			return errBox
		}
		idAt := 12 // version 0: flags, creation and modification times
		if tkhd[0] == 1 {
			idAt = 20
		}
		if len(tkhd) < idAt+4 {
			return errBox
		}
		id := int(binary.BigEndian.Uint32(tkhd[idAt:]))
		stsd, ok := path(trak, "mdia", "minf", "stbl", "stsd")
		if !ok || len(stsd) < 8 {
			return errBox
		}
		return children(stsd[8:], func(typ string, entry []byte) error {
			if _, seen := out[id]; seen {
				return nil
			}
			fixed := 28 // an audio sample entry
			if visualEntry(typ) {
				fixed = 78
			}
			if len(entry) < fixed {
				return errBox
			}
			out[id] = sampleEntry{typ: typ, boxes: entry[fixed:]}
			return nil
		})
	})
	return out, err
}

// visualEntry says whether a sample entry type is a visual one.
func visualEntry(typ string) bool {
	switch typ {
	case "avc1", "avc3", "hvc1", "hev1", "mp4v", "jpeg", "mjpg":
		return true
	}
	return false
}

type sampleEntry struct {
	typ   string
	boxes []byte
}
