package fragments

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
)

// segmentSample records a few fragments with H.264 and returns the bytes
// of the segment file.
func segmentSample(t testing.TB, frames int) []byte {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m := media(t)
	r, err := s.Record("cam", []Track{m.track()})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < frames; i++ {
		r.WriteFrame(m.frame(i, t0))
	}
	r.Close("", "")
	b, err := os.ReadFile(segmentPath(filepath.Join(dir, "cameras", "cam"), 1))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkScan checks what scanning b found: complete fragments, one after
// the other from the init, each of which parses and passes its checksum.
func checkScan(t *testing.T, b []byte) scanResult {
	res, err := scanSegment(bytes.NewReader(b), int64(len(b)), 0)
	if err != nil {
		if len(res.frags) != 0 {
			t.Fatalf("an error (%v) with %d fragments", err, len(res.frags))
		}
		return res
	}
	if res.end > int64(len(b)) || res.end < int64(len(res.init)) {
		t.Fatalf("end %d outside [%d, %d]", res.end, len(res.init), len(b))
	}
	var init fmp4.Init
	if err := init.Unmarshal(bytes.NewReader(res.init)); err != nil {
		t.Fatalf("the init found does not parse: %v", err)
	}
	off := int64(len(res.init))
	for _, f := range res.frags {
		if f.off != off {
			t.Fatalf("fragment %d at %d, want %d", f.Number, f.off, off)
		}
		raw := b[f.off : f.off+f.size]
		if _, err := checkFragment(raw, init.Tracks); err != nil {
			t.Fatalf("fragment %d found but fails its check: %v", f.Number, err)
		}
		var parts fmp4.Parts
		if err := parts.Unmarshal(raw[:len(raw)-trailerSize]); err != nil {
			t.Fatalf("fragment %d found but does not parse: %v", f.Number, err)
		}
		off += f.size
	}
	if off != res.end {
		t.Fatalf("fragments end at %d, the scan says %d", off, res.end)
	}
	return res
}

// FuzzScanSegment: any bytes as a segment file never panic the recovery
// scan, and never yield a fragment that fails to parse or its checksum.
func FuzzScanSegment(f *testing.F) {
	good := segmentSample(f, 160)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(good[:700])
	f.Add([]byte{})
	f.Add([]byte("\x00\x00\x00\x08ftyp\x00\x00\x00\x08moov"))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkScan(t, b)
	})
}

// FuzzScanDamaged: a real segment file cut anywhere and with a byte
// changed anywhere yields a prefix of its fragments, never another one.
func FuzzScanDamaged(f *testing.F) {
	good := segmentSample(f, 160)
	whole := checkScanOK(f, good)
	f.Add(uint32(len(good)), uint32(0), byte(0))
	f.Add(uint32(len(good)/2), uint32(900), byte(1))
	f.Add(uint32(len(good)-1), uint32(len(good)-5), byte(0x80))
	f.Fuzz(func(t *testing.T, cut, at uint32, flip byte) {
		b := append([]byte(nil), good[:int(cut)%(len(good)+1)]...)
		if len(b) > 0 {
			b[int(at)%len(b)] ^= flip
		}
		res := checkScan(t, b)
		if len(res.frags) > len(whole.frags) {
			t.Fatalf("%d fragments from a damaged copy of a file of %d", len(res.frags), len(whole.frags))
		}
		for i, fr := range res.frags {
			if fr != whole.frags[i] {
				t.Fatalf("fragment %d: %+v, the file holds %+v", i, fr, whole.frags[i])
			}
		}
	})
}

func checkScanOK(t testing.TB, b []byte) scanResult {
	res, err := scanSegment(bytes.NewReader(b), int64(len(b)), 0)
	if err != nil || res.problem != nil || len(res.frags) != 4 {
		t.Fatalf("the sample segment: %v, %v, %d fragments", err, res.problem, len(res.frags))
	}
	return res
}
