package endpoint

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tidegate/tidegate/uplink"
)

// BenchmarkSend measures the sending path over loopback: encoding, gzip,
// the request and the response, with 200-byte records in 5,000-record
// batches (about 1 MiB, one request each). The endpoint reads the body and
// answers without decoding it, so the figure is the sender's. It reports
// records/s.
func BenchmarkSend(b *testing.B) {
	for _, compression := range []string{"none", "gzip"} {
		b.Run(compression, func(b *testing.B) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				id := r.Header.Get(HeaderRequestID)
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"requestId":%q,"timestamp":1}`, id)
			}))
			defer srv.Close()
			s, err := New(Config{URL: srv.URL, Compression: compression})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			const n = 5000
			batch := benchBatch(n, 200)
			b.SetBytes(int64(batch.Bytes))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				batch.ID = fmt.Sprint("bench-", i)
				if err := s.Send(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// benchBatch holds sensor-like JSON lines of varied values: compressible
// as real ones are, not as a repeated line would be.
func benchBatch(n, size int) *uplink.Batch {
	rng := rand.New(rand.NewPCG(1, 2))
	batch := &uplink.Batch{Delivery: "bench"}
	for i := range n {
		line := fmt.Sprintf(`{"device":"node-%04x","ts":%d,"temperature":%.3f,"humidity":%.2f,"pressure":%.2f,"battery":%d,"rssi":%d,"trace":"%016x"`,
			rng.IntN(4096), 1767225600000+int64(i)*37+rng.Int64N(30), 15+rng.Float64()*20, 30+rng.Float64()*50,
			980+rng.Float64()*50, rng.IntN(101), -40-rng.IntN(60), rng.Uint64())
		for k := 0; ; k++ {
			field := fmt.Sprintf(`,"x%d":%d`, k, rng.IntN(1000))
			if len(line)+len(field)+2 > size {
				break
			}
			line += field
		}
		for len(line) < size-2 {
			line += " "
		}
		data := []byte(line + "}\n")
		batch.Records = append(batch.Records, uplink.Record{Stream: "sensors", ShardID: "shardId-000000000000",
			Sequence: fmt.Sprint(49600000000 + int64(i)), Data: data})
		batch.Bytes += len(data)
	}
	return batch
}
