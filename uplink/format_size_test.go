package uplink

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidegate/tidegate/shards"
)

// The buffer size bounds the bytes a destination receives per batch (an
// object before compression): with the json format, data that is not JSON
// goes in base64, a third larger, and must be counted so. A full batch is
// not much smaller than the bound either.
func TestBufferSizeBoundsTheBytesSent(t *testing.T) {
	for _, tc := range []struct {
		name string
		data func(i int) []byte
	}{
		{"binary data, base64 in the lines", func(i int) []byte {
			b := make([]byte, 1000)
			for j := range b {
				b[j] = byte(i*7 + j*13)
			}
			return b
		}},
		{"JSON data, inline", func(i int) []byte { return fmt.Appendf(nil, `{"n":%d,"pad":%q}`, i, strings.Repeat("x", 980)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var sizes []int
			sink := &memSink{answer: func(_ int, b *Batch) error {
				n := 0
				for _, r := range b.Records {
					n += len(r.Data)
				}
				mu.Lock()
				sizes = append(sizes, n)
				mu.Unlock()
				return nil
			}}
			f := newFixture(t, sink)
			s := f.stream("src", 1)
			for i := 0; i < 3000; i += 500 {
				var entries []shards.PutEntry
				for j := i; j < i+500; j++ {
					entries = append(entries, shards.PutEntry{PartitionKey: fmt.Sprintf("dev-\"%d\"", j%5), Data: tc.data(j)})
				}
				if _, err := s.PutRecords(context.Background(), entries); err != nil {
					t.Fatal(err)
				}
			}
			sp := spec("d", "src")
			sp.Format = FormatJSON
			sp.BufferInterval = time.Second
			if err := f.m.Create(context.Background(), sp); err != nil {
				t.Fatal(err)
			}
			eventually(t, "3000 records", func() bool { return len(sink.records()) == 3000 })
			mu.Lock()
			defer mu.Unlock()
			for i, n := range sizes {
				if n > MinBufferSize {
					t.Errorf("batch %d sent %d bytes, over the buffer size of %d", i, n, MinBufferSize)
				}
				if i < len(sizes)-1 && n < MinBufferSize*9/10 {
					t.Errorf("batch %d sent %d bytes, a full batch well under the buffer size of %d", i, n, MinBufferSize)
				}
			}
		})
	}
}

// formattedSize is what appendFormatted writes, for any record.
func TestFormattedSizeIsWhatIsWritten(t *testing.T) {
	for _, data := range []string{"", "x", `{"t":21.5}`, `{ "t" : 21.5 }`, "\xff\xfe", "null", `"s"`, "12 ", "[1,2"} {
		for _, pk := range []string{"k", `a"b\c`, "\x01<>&", "\u2028é", "\xff"} {
			r := &Record{Stream: "sensors", PartitionKey: pk, Sequence: strings.Repeat("4", 56), Arrival: time.Now()}
			got := len(appendFormatted(nil, FormatJSON, r, []byte(data)))
			size := formattedSize(FormatJSON, "sensors", pk, []byte(data))
			if size < got || (size != got && !strings.Contains(data, " ")) {
				t.Errorf("data %q, key %q: formattedSize %d, written %d", data, pk, size, got)
			}
		}
	}
}
