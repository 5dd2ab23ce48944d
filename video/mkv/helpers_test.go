package mkv

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/tidegate/tidegate/internal/peer"
)

// probe has ffprobe count the frames of each stream of a file, and fails
// the test when ffmpeg finds a decoding error in it.
func probe(t testing.TB, path string) map[string]int {
	t.Helper()
	out, err := exec.Command(peer.FFprobe(t), "-v", "error", "-count_frames", "-show_entries",
		"stream=codec_type,codec_name,nb_read_frames", "-of", "json", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, out)
	}
	var p struct {
		Streams []struct {
			Type   string `json:"codec_type"`
			Codec  string `json:"codec_name"`
			Frames string `json:"nb_read_frames"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, out)
	}
	got := map[string]int{}
	for _, s := range p.Streams {
		n, _ := strconv.Atoi(s.Frames)
		got[s.Type+":"+s.Codec] = n
	}
	if dec, err := exec.Command(peer.FFmpeg(t), "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput(); err != nil || len(dec) > 0 {
		t.Errorf("ffmpeg decoding %s: %v\n%s", filepath.Base(path), err, dec)
	}
	return got
}

// element is an EBML element read back by walk.
type element struct {
	id    uint32
	data  []byte
	depth int
}

// master says whether walk descends into an element.
func master(id uint32) bool {
	switch id {
	case idSegment, idInfo, idTracks, idTrackEntry, idVideo, idAudio, idCluster, idTags, idTag, idSimpleTag, idEBML:
		return true
	}
	return false
}

// walk reads an EBML stream back into its elements, in order, and fails
// on any malformed one: the reference the writer is checked against.
func walk(b []byte) ([]element, error) {
	var out []element
	var rec func(b []byte, depth int) error
	rec = func(b []byte, depth int) error {
		for len(b) > 0 {
			id, n, err := readVint(b, true)
			if err != nil {
				return err
			}
			b = b[n:]
			size, n, err := readVint(b, false)
			if err != nil {
				return err
			}
			b = b[n:]
			if size == 1<<56-1 { // unknown: to the end
				size = uint64(len(b))
			}
			if size > uint64(len(b)) {
				return fmt.Errorf("element %x: size %d beyond the %d bytes left", id, size, len(b))
			}
			out = append(out, element{id: uint32(id), data: b[:size], depth: depth})
			if master(uint32(id)) {
				if err := rec(b[:size], depth+1); err != nil {
					return err
				}
			}
			b = b[size:]
		}
		return nil
	}
	return out, rec(b, 0)
}

// readVint reads an element ID (with its length marker kept) or a size
// (an 8-byte all-ones size comes back as 1<<56-1).
func readVint(b []byte, id bool) (uint64, int, error) {
	if len(b) == 0 || b[0] == 0 {
		return 0, 0, fmt.Errorf("bad variable-size integer")
	}
	n := 1
	for b[0]&(0x80>>(n-1)) == 0 {
		n++
	}
	if len(b) < n || (id && n > 4) {
		return 0, 0, fmt.Errorf("bad variable-size integer")
	}
	v := uint64(b[0])
	if !id {
		v &= 0xFF >> n
	}
	for _, c := range b[1:n] {
		v = v<<8 | uint64(c)
	}
	return v, n, nil
}

// tagsOf returns the SimpleTags of each Tags element, in order.
func tagsOf(els []element) [][]Tag {
	var out [][]Tag
	var name string
	for _, e := range els {
		switch e.id {
		case idTags:
			out = append(out, nil)
		case idTagName:
			name = string(e.data)
		case idTagString:
			out[len(out)-1] = append(out[len(out)-1], Tag{name, string(e.data)})
		}
	}
	return out
}

func count(els []element, id uint32) int {
	n := 0
	for _, e := range els {
		if e.id == id {
			n++
		}
	}
	return n
}
