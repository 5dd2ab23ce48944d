package object

import (
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"

	"github.com/tidegate/tidegate/uplink"
)

// compressor is what the gzip, zstd and s2 writers have in common: they
// can be pointed at a new destination and reused, which matters because a
// zstd encoder allocates megabytes of tables.
type compressor interface {
	io.WriteCloser
	Reset(w io.Writer)
}

// Encoder writes records through a compressor. It keeps the compressors it
// made in a pool and is safe for concurrent use: a sink holds one for its
// whole life.
type Encoder struct {
	c    Compression
	pool sync.Pool
}

// NewEncoder returns an Encoder for c.
func NewEncoder(c Compression) *Encoder {
	return &Encoder{c: c}
}

// Compression is the compression the Encoder writes.
func (e *Encoder) Compression() Compression { return e.c }

// Encode writes the records' Data, concatenated in order, through the
// compressor into w. The body is streamed: Encode holds no copy of it beyond
// the compressor's window, so w decides how much of it is in memory.
func (e *Encoder) Encode(w io.Writer, recs []uplink.Record) error {
	if e.c == None {
		for i := range recs {
			if _, err := w.Write(recs[i].Data); err != nil {
				return err
			}
		}
		return nil
	}
	z, err := e.get(w)
	if err != nil {
		return err
	}
	for i := range recs {
		if _, err := z.Write(recs[i].Data); err != nil {
			return fmt.Errorf("object: %s: %w", e.c, err)
		}
	}
	if err := z.Close(); err != nil {
		return fmt.Errorf("object: %s: %w", e.c, err)
	}
	// Drop the reference to w before pooling; a compressor that failed
	// above is left to the garbage collector rather than reused.
	z.Reset(io.Discard)
	e.pool.Put(z)
	return nil
}

func (e *Encoder) get(w io.Writer) (compressor, error) {
	if z, ok := e.pool.Get().(compressor); ok {
		z.Reset(w)
		return z, nil
	}
	switch e.c {
	case Gzip:
		return gzip.NewWriter(w), nil
	case Zstd:
		// One goroutine per encoder and the low-memory tables: a gateway
		// on a Pi compresses one batch per delivery at a time.
		z, err := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1), zstd.WithLowerEncoderMem(true))
		if err != nil {
			return nil, fmt.Errorf("object: zstd: %w", err)
		}
		return z, nil
	case Snappy:
		// The snappy framing format, as Firehose writes it: readable by
		// any snappy library's stream reader.
		return s2.NewWriter(w, s2.WriterSnappyCompat(), s2.WriterConcurrency(1)), nil
	}
	return nil, fmt.Errorf("object: unknown compression %q", string(e.c))
}
