package bench

import (
	"encoding/binary"
	"math/rand/v2"
)

// chunkSize is the unit of durability in both baselines: one sync per MiB is
// what a group-committing log aims for under sustained load.
const chunkSize = 1 << 20

// payload produces incompressible bytes, so compressing or deduplicating
// filesystems and SSD controllers cannot flatter the disk. It needs to be
// incompressible, not secret, so a seeded ChaCha8 stream serves.
type payload struct {
	src *rand.ChaCha8
}

// newPayload seeds from the runtime's random source so that two runs never
// write identical data a deduplicating store could fold together.
func newPayload() payload {
	var seed [32]byte
	for i := 0; i < len(seed); i += 8 {
		binary.LittleEndian.PutUint64(seed[i:], rand.Uint64())
	}
	return payload{src: rand.NewChaCha8(seed)}
}

// fill cannot fail: ChaCha8.Read always fills its argument.
func (p payload) fill(b []byte) {
	_, _ = p.src.Read(b)
}
