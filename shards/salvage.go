package shards

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	bolt "go.etcd.io/bbolt"
)

// salvage rebuilds a segment that bbolt cannot read from the chunks its raw
// bytes still hold. Chunks are self-describing and checksummed, and bbolt
// stores a value contiguously, so every intact chunk can be found by its
// magic. Per shard, chunks are chained in position order; copies of one
// chunk (bbolt rewrites leaf pages) collapse into one. The rebuilt file
// replaces the damaged one atomically.
func salvage(path string, cause error) (Damage, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Damage{}, fmt.Errorf("shards: salvage %s: %w", path, err)
	}
	found := findChunks(raw)
	tmp := path + ".salvage"
	os.Remove(tmp)
	db, err := bolt.Open(tmp, 0o600, boltOptions(0))
	if err != nil {
		return Damage{}, fmt.Errorf("shards: salvage %s: %w", path, err)
	}
	kept := 0
	err = db.Update(func(tx *bolt.Tx) error {
		for shard, chunks := range found {
			for len(chunks) > 0 {
				n := min(len(chunks), salvageRun)
				if err := putRun(tx, shard, chunks[:n]); err != nil {
					return err
				}
				kept += n
				chunks = chunks[n:]
			}
		}
		return nil
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		os.Remove(tmp)
		return Damage{}, fmt.Errorf("shards: salvage %s: %w", path, err)
	}
	return Damage{Segment: path, Shard: -1, Chunks: kept,
		Reason: fmt.Sprintf("unreadable (%v): rebuilt from %d intact chunks; records in damaged chunks are lost", cause, kept)}, nil
}

// salvageRun is how many chunks a rebuilt run holds.
const salvageRun = 64

// findChunks scans raw bytes for intact chunks and returns, per shard, a
// chain with strictly increasing positions.
func findChunks(raw []byte) map[int][]chunkWrite {
	all := map[int][]chunkWrite{}
	for off := 0; ; {
		i := bytes.Index(raw[off:], []byte(chunkMagic))
		if i < 0 {
			break
		}
		at := off + i
		off = at + 1
		if len(raw)-at < chunkHeaderLen+chunkTrailer {
			break
		}
		n := int(binary.BigEndian.Uint32(raw[at+4 : at+8]))
		if n < chunkHeaderLen+chunkTrailer || n > len(raw)-at {
			continue
		}
		b := raw[at : at+n]
		h, err := walkChunk(b, nil)
		if err != nil {
			continue
		}
		all[int(h.shard)] = append(all[int(h.shard)], chunkWrite{shard: int(h.shard), first: h.first, data: b})
		off = at + n
	}
	out := map[int][]chunkWrite{}
	for shard, cs := range all {
		sort.SliceStable(cs, func(i, j int) bool { return cs[i].first < cs[j].first })
		var chain []chunkWrite
		var last uint64
		for _, c := range cs {
			h, _ := parseChunkHeader(c.data)
			if len(chain) > 0 && h.first <= last {
				continue
			}
			chain = append(chain, c)
			last = h.last
		}
		out[shard] = chain
	}
	return out
}
