package object

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tidegate/tidegate/uplink"
)

func FuzzParsePrefix(f *testing.F) {
	for _, s := range []string{
		"", "data/", "myFirehosePrefix",
		"myFirehose/DeliveredYear=!{timestamp:yyyy}/anyMonth/rand=!{firehose:random-string}",
		"myFirehoseFailures/!{firehose:error-output-type}/!{timestamp:yyyy}/anyMonth/!{timestamp:dd}",
		"myErrorPrefix/!{timestamp:'year='yyyy'/month='MM'/day='dd'/hour='HH}/!{firehose:error-output-type}",
		"device=!{partitionKey}/!{timestamp:yyyy/MM/dd/HH}/",
		"!{timestamp:yyyy''MM}", "!{timestamp:'}", "!{", "!{}", "!{:}", "a}b!{c", "!{timestamp:!{x}}",
		"!{partitionKeyFromQuery:id}", "!{timestamp:HH:mm:ss.SSS MMMM}", "\xff", "!{timestamp:'\x01'}",
	} {
		f.Add(s, "p/k")
	}
	at := time.Date(2024, time.March, 5, 7, 8, 9, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s, key string) {
		p, err := ParsePrefix(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if p.String() != s {
			t.Fatalf("String() = %q, want %q", p.String(), s)
		}
		out := p.Evaluate(Values{Time: at, Seed: "seed", ErrorOutputType: "processing-failed", PartitionKey: EscapePartitionKey(key)})
		if !utf8.ValidString(out) {
			t.Fatalf("%q evaluates to invalid UTF-8 %q", s, out)
		}
		if !p.HasExpressions() && !strings.Contains(s, "!{") && out != s {
			t.Fatalf("literal %q evaluates to %q", s, out)
		}
		// A valid prefix makes a layout or a clear error, and a layout names
		// objects without panicking.
		l, err := NewLayout(s, "e/!{firehose:error-output-type}/", Zstd)
		if err != nil {
			return
		}
		b := &uplink.Batch{ID: "id", Delivery: "d", Created: at, Records: []uplink.Record{{PartitionKey: key, Data: []byte("x")}}}
		objs, err := l.Objects(b)
		if err == nil && (len(objs) != 1 || !strings.HasSuffix(objs[0].Key, ".zst")) {
			t.Fatalf("objects %+v", objs)
		}
	})
}
