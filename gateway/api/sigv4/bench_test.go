package sigv4_test

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
)

// BenchmarkVerify measures Verify on a Kinesis PutRecord as a Go server receives it, with
// the derived signing key cached (the steady state) and not (a fresh Verifier each time).
func BenchmarkVerify(b *testing.B) {
	header := http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"Kinesis_20131202.PutRecord"}}
	for _, size := range []int{0, 1 << 10, 64 << 10, 1 << 20} {
		body := bytes.Repeat([]byte{'x'}, size)
		r := newRequest(b, "POST", "http://gateway.local/", header, body)
		defaultSigning().sign(b, r, body)
		r = overTheWire(b, r)

		b.Run(fmt.Sprintf("cached/body=%dB", size), func(b *testing.B) {
			v := testVerifier()
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := v.Verify(r, body); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("uncached/body=%dB", size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := testVerifier().Verify(r, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
