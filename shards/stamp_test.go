package shards

import (
	"bytes"
	"testing"
)

// FuzzStamp: a segment's time stamp as read from disk never panics the
// decoder, and whatever decodes encodes back to the same bytes, so a stamp
// read and written again (restamping) is unchanged.
func FuzzStamp(f *testing.F) {
	f.Add(encodeStamp(stamp{Boot: "0d080148-6a31-456a-9570-3677d65fe6aa", Mono: 123456, Wall: 1780315200000, Synced: true}))
	f.Add(encodeStamp(stamp{Boot: "wall-clock", Mono: -5, Wall: 10000, Estimated: true}))
	f.Add([]byte{1})
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xff}, 40))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeStamp(b)
		if err != nil {
			return
		}
		// Flags other than the two known ones are dropped: compare what
		// they do not touch.
		got := encodeStamp(s)
		if !bytes.Equal(got[2:], b[2:]) || got[0] != b[0] || got[1] != b[1]&(stampSynced|stampEstimated) {
			t.Fatalf("%x decodes to %+v, which encodes to %x", b, s, got)
		}
		again, err := decodeStamp(got)
		if err != nil || again != s {
			t.Fatalf("%+v does not survive encoding: %+v, %v", s, again, err)
		}
	})
}
