package object

import (
	"bytes"
	stdgzip "compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"

	"github.com/tidegate/tidegate/uplink"
)

// decode reads a body back with a reader that is not the encoder's own
// writer: the standard library's gzip, the zstd decoder, the
// golang/snappy-compatible stream reader.
func decode(t *testing.T, c Compression, body []byte) []byte {
	t.Helper()
	var r io.Reader
	switch c {
	case None:
		return body
	case Gzip:
		zr, err := stdgzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		r = zr
	case Zstd:
		zr, err := zstd.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("zstd: %v", err)
		}
		defer zr.Close()
		r = zr
	case Snappy:
		if len(body) == 0 {
			return nil // an empty stream: no chunk, not even the identifier
		}
		// The snappy framing format starts with its stream identifier
		// (S2's own framing would say "S2sTwO").
		if !bytes.HasPrefix(body, []byte("\xff\x06\x00\x00sNaPpY")) {
			t.Fatalf("snappy: body does not start with the snappy stream identifier: % x", body[:min(10, len(body))])
		}
		r = snappy.NewReader(bytes.NewReader(body))
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%v: decode: %v", c, err)
	}
	return out
}

// testRecords returns n JSON-line records and their concatenation.
func testRecords(n int, seed uint64) ([]uplink.Record, []byte) {
	rng := rand.New(rand.NewPCG(seed, seed))
	var all []byte
	recs := make([]uplink.Record, n)
	for i := range recs {
		data := fmt.Appendf(nil, `{"device":"node-%d","seq":%d,"temp":%.3f,"noise":%d}`+"\n", i%7, i, 20+rng.Float64()*5, rng.Uint64())
		recs[i] = uplink.Record{PartitionKey: fmt.Sprintf("node-%d", i%7), Data: data}
		all = append(all, data...)
	}
	return recs, all
}

func TestEncoderRoundTrip(t *testing.T) {
	small, smallAll := testRecords(3, 1)
	// Over a megabyte: several zstd blocks, many 64 KiB snappy chunks.
	big, bigAll := testRecords(20000, 2)
	for _, c := range []Compression{None, Gzip, Zstd, Snappy} {
		for _, in := range []struct {
			name string
			recs []uplink.Record
			want []byte
		}{
			{"empty", nil, nil},
			{"small", small, smallAll},
			{"big", big, bigAll},
		} {
			t.Run(c.String()+"/"+in.name, func(t *testing.T) {
				e := NewEncoder(c)
				// Twice, so the second run uses a pooled compressor.
				for range 2 {
					var buf bytes.Buffer
					if err := e.Encode(&buf, in.recs); err != nil {
						t.Fatal(err)
					}
					if got := decode(t, c, buf.Bytes()); !bytes.Equal(got, in.want) {
						t.Fatalf("decoded %d bytes, want the %d source bytes", len(got), len(in.want))
					}
				}
			})
		}
	}
}

func TestEncoderConcurrent(t *testing.T) {
	recs, all := testRecords(500, 3)
	for _, c := range []Compression{Gzip, Zstd, Snappy} {
		t.Run(c.String(), func(t *testing.T) {
			e := NewEncoder(c)
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for range 8 {
				wg.Go(func() {
					var buf bytes.Buffer
					if err := e.Encode(&buf, recs); err != nil {
						errs <- err
						return
					}
					if got := decode(t, c, buf.Bytes()); !bytes.Equal(got, all) {
						errs <- fmt.Errorf("%v: decoded body differs from the source", c)
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after <= 0 {
		return 0, io.ErrShortWrite
	}
	w.after--
	return len(p), nil
}

func TestEncoderWriteError(t *testing.T) {
	recs, _ := testRecords(20000, 4)
	for _, c := range []Compression{None, Gzip, Zstd, Snappy} {
		t.Run(c.String(), func(t *testing.T) {
			e := NewEncoder(c)
			if err := e.Encode(&failingWriter{after: 1}, recs); err == nil {
				t.Fatal("Encode into a failing writer returned nil")
			}
			// The encoder still works afterwards.
			var buf bytes.Buffer
			if err := e.Encode(&buf, recs[:2]); err != nil {
				t.Fatal(err)
			}
		})
	}
}
