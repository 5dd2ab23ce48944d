package shards

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

func sampleChunk() ([]byte, []pending) {
	recs := []pending{
		{pos: posAt(1000), key: "a", data: []byte("hello")},
		{pos: posAt(1000) + 1, key: "bb", data: nil},
		{pos: posAt(1003), key: "ccc", data: bytes.Repeat([]byte{7}, 300)},
	}
	return appendChunk([]byte("prefix"), 5, recs)[len("prefix"):], recs
}

func TestChunkRoundTrip(t *testing.T) {
	b, recs := sampleChunk()
	var got []pending
	h, err := walkChunk(b, func(r chunkRecord) bool {
		got = append(got, pending{pos: r.pos, key: string(r.key), data: append([]byte(nil), r.data...)})
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if h.shard != 5 || h.count != 3 || h.first != recs[0].pos || h.last != recs[2].pos || int(h.length) != len(b) {
		t.Fatalf("header %+v", h)
	}
	for i := range recs {
		if got[i].pos != recs[i].pos || got[i].key != recs[i].key || !bytes.Equal(got[i].data, recs[i].data) {
			t.Fatalf("record %d: %+v != %+v", i, got[i], recs[i])
		}
	}
}

// Every single-byte change is caught: by the checksum, or by the header.
func TestChunkDetectsEveryFlippedByte(t *testing.T) {
	b, _ := sampleChunk()
	for i := range b {
		c := append([]byte(nil), b...)
		c[i] ^= 0x40
		if _, err := walkChunk(c, nil); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("byte %d flipped: err = %v", i, err)
		}
	}
	for n := 0; n < len(b); n++ {
		if _, err := walkChunk(b[:n], nil); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated to %d: err = %v", n, err)
		}
	}
}

func TestFindChunksInNoise(t *testing.T) {
	a, _ := sampleChunk()
	b := appendChunk(nil, 5, []pending{{pos: posAt(2000), key: "z", data: []byte("later")}})
	c := appendChunk(nil, 9, []pending{{pos: posAt(1500), key: "y", data: []byte("other shard")}})
	raw := bytes.Join([][]byte{[]byte("TGC1garbage"), a, []byte("noise"), a, b, c[:len(c)-1], []byte("TGC1")}, nil)
	got := findChunks(raw)
	if len(got[5]) != 2 || got[5][0].first != posAt(1000) || got[5][1].first != posAt(2000) {
		t.Fatalf("shard 5: %+v", got[5])
	}
	if len(got[9]) != 0 {
		t.Fatalf("truncated chunk of shard 9 found: %+v", got[9])
	}
}

// FuzzChunk: arbitrary bytes never panic the decoder, and whatever it
// accepts re-encodes to the same bytes.
func FuzzChunk(f *testing.F) {
	b, _ := sampleChunk()
	f.Add(b)
	f.Add([]byte("TGC1"))
	f.Add(b[:len(b)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		var recs []pending
		h, err := walkChunk(data, func(r chunkRecord) bool {
			recs = append(recs, pending{pos: r.pos, key: string(r.key), data: r.data})
			return true
		})
		findChunks(data)
		if err != nil {
			return
		}
		again := appendChunk(nil, int(h.shard), recs)
		if !bytes.Equal(again, data) {
			t.Fatalf("accepted chunk does not re-encode identically")
		}
	})
}

// encodedLen is exact, so chunks are cut at chunkSize precisely.
func TestEncodedLenIsExact(t *testing.T) {
	b, recs := sampleChunk()
	n := chunkHeaderLen + chunkTrailer
	prev := recs[0].pos
	for i := range recs {
		n += encodedLen(&recs[i], prev)
		prev = recs[i].pos
	}
	if n != len(b) {
		t.Fatalf("encodedLen sums to %d, chunk is %d bytes", n, len(b))
	}
	for _, v := range []uint64{0, 1, 127, 128, 16383, 16384, 1<<63 - 1, 1<<64 - 1} {
		if got, want := uvarintLen(v), len(binary.AppendUvarint(nil, v)); got != want {
			t.Errorf("uvarintLen(%d) = %d, want %d", v, got, want)
		}
	}
}
