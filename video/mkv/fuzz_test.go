package mkv

import (
	"bytes"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/testvideo"
)

// FuzzWriteFragment feeds the writer any init segment and fragment bytes
// (a damaged store file, a bug upstream): it never panics, and whatever it
// accepts is well-formed EBML.
func FuzzWriteFragment(f *testing.F) {
	init, frags := testvideo.Split(f, readTestdata(f))
	f.Add(init, frags[0])
	f.Add(init, frags[1])
	f.Add(init[:len(init)/2], frags[0])
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, init, data []byte) {
		var buf bytes.Buffer
		w := NewWriter(&buf, "fuzz")
		if err := w.WriteFragment(init, data, time.Unix(1700000000, 0), FragmentTags(1, time.Unix(1700000000, 0), time.Time{})); err != nil {
			if buf.Len() != 0 {
				t.Fatalf("%d bytes written with an error", buf.Len())
			}
			return
		}
		if _, err := walk(buf.Bytes()); err != nil {
			t.Fatalf("the output does not parse: %v", err)
		}
	})
}
