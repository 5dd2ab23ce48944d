package shards

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/bits"
)

// A chunk is the unit of storage: the records of one shard written by one
// group commit (or a slice of them), stored as one bbolt value under the
// big-endian position of its first record.
//
//	magic "TGC1" | length u32 | shard u32 | count u32 | first u64 | last u64
//	records: uvarint(pos - previous pos) uvarint(len key) key uvarint(len data) data
//	crc32c u32 of everything before it
//
// The length and the shard make a chunk self-describing, so the intact chunks
// of a damaged segment file can be found by scanning its raw bytes.
const (
	chunkMagic     = "TGC1"
	chunkHeaderLen = 32
	chunkTrailer   = 4
	// chunkSize is the most bytes a chunk takes, header and checksum
	// included. bbolt puts at least two values in a leaf and writes it as a
	// run of whole pages: two chunks of this size and the leaf's headers
	// (16 + 2×24 bytes) fill 128 KiB exactly, on 4, 16 or 64 KiB pages.
	// Large chunks mean few leaves, so few write calls per commit (see
	// layout.go for why they cost no rewriting).
	chunkSize = 64<<10 - 32
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type chunkHeader struct {
	length uint32
	shard  uint32
	count  uint32
	first  uint64
	last   uint64
}

// pending is a record accepted by the writer, with its position assigned.
type pending struct {
	pos  uint64
	key  string
	data []byte
}

// encodedLen is the exact size of r in a chunk after a record at prev.
func encodedLen(r *pending, prev uint64) int {
	return uvarintLen(r.pos-prev) + uvarintLen(uint64(len(r.key))) + len(r.key) + uvarintLen(uint64(len(r.data))) + len(r.data)
}

func uvarintLen(v uint64) int { return (bits.Len64(v|1) + 6) / 7 }

// appendChunk encodes recs (positions strictly increasing) as one chunk.
func appendChunk(dst []byte, shard int, recs []pending) []byte {
	start := len(dst)
	var hdr [chunkHeaderLen]byte
	dst = append(dst, hdr[:]...)
	prev := recs[0].pos
	for i := range recs {
		r := &recs[i]
		dst = binary.AppendUvarint(dst, r.pos-prev)
		prev = r.pos
		dst = binary.AppendUvarint(dst, uint64(len(r.key)))
		dst = append(dst, r.key...)
		dst = binary.AppendUvarint(dst, uint64(len(r.data)))
		dst = append(dst, r.data...)
	}
	length := len(dst) - start + chunkTrailer
	h := dst[start:]
	copy(h[0:4], chunkMagic)
	binary.BigEndian.PutUint32(h[4:8], uint32(length))
	binary.BigEndian.PutUint32(h[8:12], uint32(shard))
	binary.BigEndian.PutUint32(h[12:16], uint32(len(recs)))
	binary.BigEndian.PutUint64(h[16:24], recs[0].pos)
	binary.BigEndian.PutUint64(h[24:32], recs[len(recs)-1].pos)
	return binary.BigEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

// parseChunkHeader checks the magic, length and checksum of b (exactly one
// chunk) and returns its header. It never panics on arbitrary bytes.
func parseChunkHeader(b []byte) (chunkHeader, error) {
	if len(b) < chunkHeaderLen+chunkTrailer || string(b[:4]) != chunkMagic {
		return chunkHeader{}, fmt.Errorf("%w: chunk header", ErrCorrupt)
	}
	h := chunkHeader{
		length: binary.BigEndian.Uint32(b[4:8]),
		shard:  binary.BigEndian.Uint32(b[8:12]),
		count:  binary.BigEndian.Uint32(b[12:16]),
		first:  binary.BigEndian.Uint64(b[16:24]),
		last:   binary.BigEndian.Uint64(b[24:32]),
	}
	if uint64(h.length) != uint64(len(b)) {
		return chunkHeader{}, fmt.Errorf("%w: chunk length %d, have %d bytes", ErrCorrupt, h.length, len(b))
	}
	body := len(b) - chunkTrailer
	if crc32.Checksum(b[:body], castagnoli) != binary.BigEndian.Uint32(b[body:]) {
		return chunkHeader{}, fmt.Errorf("%w: chunk checksum mismatch", ErrCorrupt)
	}
	if h.count == 0 || h.last < h.first {
		return chunkHeader{}, fmt.Errorf("%w: chunk of %d records from %d to %d", ErrCorrupt, h.count, h.first, h.last)
	}
	return h, nil
}

// chunkRecord is one record as it lies in a chunk; key and data alias the
// chunk's bytes.
type chunkRecord struct {
	pos       uint64
	key, data []byte
}

// walkChunk checks b and calls fn for each record in order until fn returns
// false. A chunk whose body does not decode exactly is ErrCorrupt, even if
// its checksum matched.
func walkChunk(b []byte, fn func(r chunkRecord) bool) (chunkHeader, error) {
	h, err := parseChunkHeader(b)
	if err != nil {
		return h, err
	}
	body := b[chunkHeaderLen : len(b)-chunkTrailer]
	pos := h.first
	for i := uint32(0); i < h.count; i++ {
		var r chunkRecord
		delta, n := binary.Uvarint(body)
		if n <= 0 || (i == 0 && delta != 0) || (i > 0 && delta == 0) || pos+delta < pos {
			return h, fmt.Errorf("%w: record %d position", ErrCorrupt, i)
		}
		pos += delta
		body = body[n:]
		if r.key, body, err = takeBytes(body); err != nil {
			return h, fmt.Errorf("%w: record %d key", ErrCorrupt, i)
		}
		if r.data, body, err = takeBytes(body); err != nil {
			return h, fmt.Errorf("%w: record %d data", ErrCorrupt, i)
		}
		r.pos = pos
		if fn != nil && !fn(r) {
			return h, nil
		}
	}
	if len(body) != 0 || pos != h.last {
		return h, fmt.Errorf("%w: chunk body does not match its header", ErrCorrupt)
	}
	return h, nil
}

func takeBytes(b []byte) (v, rest []byte, err error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil, nil, ErrCorrupt
	}
	return b[k : k+int(n)], b[k+int(n):], nil
}
