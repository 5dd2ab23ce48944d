package object

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/uplink"
)

func TestObjectKey(t *testing.T) {
	created := time.Date(2024, time.March, 5, 7, 8, 9, 500_000_000, time.FixedZone("CET", 3600))
	recs := []uplink.Record{{PartitionKey: "a", Data: []byte("one\n")}, {PartitionKey: "b", Data: []byte("two\n")}}
	b := &uplink.Batch{ID: "batch-7", Delivery: "to-cloud", Created: created, Records: recs}
	l, err := NewLayout("sensors/", "", Gzip)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := l.Objects(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 || len(objs[0].Records) != 2 || objs[0].Bytes != 8 {
		t.Fatalf("objects %+v: want one object of both records, 8 bytes", objs)
	}
	key := objs[0].Key
	// Created is 08:08:09 in CET: 07:08:09 UTC.
	const want = "sensors/2024/03/05/06/to-cloud-1-2024-03-05-06-08-09-"
	if !strings.HasPrefix(key, want) || !strings.HasSuffix(key, ".gz") || len(key) != len(want)+36+3 {
		t.Fatalf("key %q, want %s<uuid>.gz", key, want)
	}

	t.Run("same batch, same key", func(t *testing.T) {
		again, _ := l.Objects(&uplink.Batch{ID: "batch-7", Delivery: "to-cloud", Created: created, Records: recs[:1]})
		if again[0].Key != key {
			t.Errorf("retried batch named %q, first %q", again[0].Key, key)
		}
	})
	t.Run("other batch, other key", func(t *testing.T) {
		other, _ := l.Objects(&uplink.Batch{ID: "batch-8", Delivery: "to-cloud", Created: created, Records: recs})
		if other[0].Key == key {
			t.Errorf("two batches named %q", key)
		}
	})
	t.Run("error objects differ from data objects", func(t *testing.T) {
		errs, err := l.ErrorObjects(b, "processing-failed")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(errs[0].Key, "sensors/processing-failed/2024/03/05/06/to-cloud-1-") || errs[0].Key[len(errs[0].Key)-39:] == key[len(key)-39:] {
			t.Errorf("error key %q (data key %q)", errs[0].Key, key)
		}
	})
	t.Run("empty batch", func(t *testing.T) {
		objs, err := l.Objects(&uplink.Batch{ID: "x", Delivery: "to-cloud"})
		if err != nil || len(objs) != 0 {
			t.Errorf("empty batch: %v, %v; want no object", objs, err)
		}
	})
	t.Run("batch without ID", func(t *testing.T) {
		if _, err := l.Objects(&uplink.Batch{Delivery: "to-cloud", Records: recs}); err == nil {
			t.Error("a batch without ID was named")
		}
	})
}

func TestPartitionKeyObjects(t *testing.T) {
	created := time.Date(2024, time.March, 5, 7, 0, 0, 0, time.UTC)
	recs := []uplink.Record{
		{PartitionKey: "node-1", Data: []byte("1\n")},
		{PartitionKey: "site/b", Data: []byte("2\n")},
		{PartitionKey: "node-1", Data: []byte("3\n")},
		{PartitionKey: "", Data: []byte("4\n")},
	}
	b := &uplink.Batch{ID: "b", Delivery: "d", Created: created, Records: recs}
	tests := []struct {
		prefix   string
		wantKeys []string // prefixes of the object keys, in order
	}{
		{"device=!{partitionKey}/!{timestamp:yyyy/MM/dd}/", []string{"device=node-1/2024/03/05/d-1-", "device=site%2Fb/2024/03/05/d-1-", "device=__HIVE_DEFAULT_PARTITION__/2024/03/05/d-1-"}},
		// No timestamp appended to a partitioned prefix.
		{"!{partitionKey}/", []string{"node-1/d-1-", "site%2Fb/d-1-", "__HIVE_DEFAULT_PARTITION__/d-1-"}},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			l, err := NewLayout(tt.prefix, "errors/!{firehose:error-output-type}/", None)
			if err != nil {
				t.Fatal(err)
			}
			objs, err := l.Objects(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(objs) != len(tt.wantKeys) {
				t.Fatalf("%d objects, want %d", len(objs), len(tt.wantKeys))
			}
			for i, o := range objs {
				if !strings.HasPrefix(o.Key, tt.wantKeys[i]) {
					t.Errorf("object %d: key %q, want %s…", i, o.Key, tt.wantKeys[i])
				}
			}
			if got := string(objs[0].Records[0].Data) + string(objs[0].Records[1].Data); got != "1\n3\n" || objs[0].Bytes != 4 {
				t.Errorf("node-1's object holds %q (%d bytes), want the records in order", got, objs[0].Bytes)
			}
		})
	}
}

func TestEscapePartitionKey(t *testing.T) {
	long := strings.Repeat("/", 100)
	tests := []struct{ in, want string }{
		{"node-1", "node-1"},
		{"a.b_c=d", "a.b_c=d"},
		{"a/b", "a%2Fb"},
		{"a b", "a%20b"},
		{"", EmptyPartitionKey},
		{".", "%2E"},
		{"..", "%2E%2E"},
		{"...", "..."},
		{"~", "%7E"},
		{"%", "%25"},
		{"ü", "%C3%BC"},
		{long, strings.Repeat("%2F", 61) + "~"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := EscapePartitionKey(tt.in)
			if tt.in == long {
				if !strings.HasPrefix(got, tt.want) || len(got) > maxEscapedKey {
					t.Errorf("long key escapes to %q (%d), want %s<hash>, at most %d", got, len(got), tt.want, maxEscapedKey)
				}
				if EscapePartitionKey(long+"x") == got {
					t.Error("two long keys escape alike")
				}
				return
			}
			if got != tt.want {
				t.Errorf("EscapePartitionKey(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestPrefixTooLong(t *testing.T) {
	l, err := NewLayout(strings.Repeat("p", 400)+"/!{partitionKey}/!{partitionKey}/", "e/!{firehose:error-output-type}", None)
	if err != nil {
		t.Fatal(err)
	}
	key := strings.Repeat("k", 100)
	_, err = l.Objects(&uplink.Batch{ID: "x", Records: []uplink.Record{{PartitionKey: key}}})
	if err == nil || !strings.Contains(err.Error(), "512") {
		t.Fatalf("evaluated prefix of 603 characters: %v, want ErrPrefixTooLong", err)
	}
	if code, ok := uplink.IsPermanent(err); !ok || code != "PrefixTooLong" || !errors.Is(err, ErrPrefixTooLong) {
		t.Errorf("%v: want ErrPrefixTooLong marked Permanent (PrefixTooLong), got code %q permanent %v", err, code, ok)
	}
}

// An object is filed under the arrival time of its oldest record, as
// Firehose files it: a backlog sent hours after an outage lands under the
// hours its records arrived in, in the prefix and in the name. With
// !{partitionKey}, each object under its own oldest record's time.
func TestObjectTimeIsTheOldestArrival(t *testing.T) {
	created := time.Date(2024, time.March, 5, 10, 30, 0, 0, time.UTC) // when the batch closed
	at := func(h, m, s int) time.Time { return time.Date(2024, time.March, 5, h, m, s, 0, time.UTC) }
	recs := []uplink.Record{
		{PartitionKey: "a", Arrival: at(8, 10, 0), Data: []byte("1\n")},
		{PartitionKey: "b", Arrival: at(7, 59, 58), Data: []byte("2\n")},
		{PartitionKey: "a", Arrival: at(8, 0, 1), Data: []byte("3\n")},
	}
	b := &uplink.Batch{ID: "b", Delivery: "to-cloud", Created: created, Records: recs}
	for _, tc := range []struct {
		prefix, errorPrefix string
		want                []string
		wantErrors          []string
	}{
		{"sensors/", "", []string{"sensors/2024/03/05/07/to-cloud-1-2024-03-05-07-59-58-"},
			[]string{"sensors/processing-failed/2024/03/05/07/to-cloud-1-2024-03-05-07-59-58-"}},
		{"k=!{partitionKey}/!{timestamp:HH-mm}/", "e/!{firehose:error-output-type}/!{timestamp:HH}/",
			[]string{"k=a/08-00/to-cloud-1-2024-03-05-08-00-01-", "k=b/07-59/to-cloud-1-2024-03-05-07-59-58-"},
			[]string{"e/processing-failed/07/to-cloud-1-2024-03-05-07-59-58-"}},
	} {
		t.Run(tc.prefix, func(t *testing.T) {
			l, err := NewLayout(tc.prefix, tc.errorPrefix, None)
			if err != nil {
				t.Fatal(err)
			}
			objs, err := l.Objects(b)
			if err != nil {
				t.Fatal(err)
			}
			errs, err := l.ErrorObjects(b, "processing-failed")
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				objs []Object
				want []string
			}{{objs, tc.want}, {errs, tc.wantErrors}} {
				if len(c.objs) != len(c.want) {
					t.Fatalf("%d objects, want %d", len(c.objs), len(c.want))
				}
				for i, o := range c.objs {
					if !strings.HasPrefix(o.Key, c.want[i]) {
						t.Errorf("key %q, want %s…", o.Key, c.want[i])
					}
				}
			}
		})
	}
}
