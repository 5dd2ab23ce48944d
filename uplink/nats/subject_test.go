package nats

import (
	"strings"
	"testing"

	"github.com/tidegate/tidegate/uplink"
)

func TestSubjectExpand(t *testing.T) {
	for _, tc := range []struct {
		tmpl, key, stream, want string
	}{
		{"readings", "any", "sensors", "readings"},
		{"tidegate.{stream}.{partition_key}", "device-7", "sensors", "tidegate.sensors.device-7"},
		{"t.{partition_key}-raw", "dev", "s", "t.dev-raw"},
		{"t.{partition_key}", "a.b", "s", "t.a_b"},
		{"t.{partition_key}", "*", "s", "t._"},
		{"t.{partition_key}", ">", "s", "t._"},
		{"t.{partition_key}", "room 1\tnorth\n", "s", "t.room_1_north_"},
		{"t.{partition_key}", "", "s", "t._"},
		{"t.{partition_key}", "ünïcode", "s", "t.ünïcode"},
		{"t.{partition_key}", "bad\xffutf8\x00", "s", "t.bad_utf8_"},
		{"{stream}.{stream}", "k", "my.stream", "my_stream.my_stream"},
	} {
		t.Run(tc.tmpl+"/"+tc.key, func(t *testing.T) {
			s, err := parseSubject(tc.tmpl)
			if err != nil {
				t.Fatal(err)
			}
			got := s.expand(&uplink.Record{PartitionKey: tc.key, Stream: tc.stream})
			if got != tc.want {
				t.Fatalf("expand = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSubjectRejects(t *testing.T) {
	for _, tc := range []struct{ tmpl, why string }{
		{"", "empty"},
		{"a..b", "empty token"},
		{".a", "empty token"},
		{"a.", "empty token"},
		{"a.*", "wildcard"},
		{"a.>", "wildcard"},
		{"a b", "whitespace"},
		{"a.{device}", "unknown placeholder"},
		{"a.{partition_key", "unbalanced"},
		{"a.}b", "unbalanced"},
		{"a.{partition_key}}", "unbalanced"},
		{"a.\xff", "UTF-8"},
	} {
		t.Run(tc.tmpl, func(t *testing.T) {
			_, err := parseSubject(tc.tmpl)
			if err == nil || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("parseSubject(%q) = %v, want an error about %s", tc.tmpl, err, tc.why)
			}
		})
	}
}

// FuzzSubject: any template parses or is refused with an error, and a
// parsed one expands any record to a subject JetStream accepts.
func FuzzSubject(f *testing.F) {
	f.Add("tidegate.{stream}.{partition_key}", "device-1", "sensors")
	f.Add("a.{partition_key}-x", "a.b*c>d e", "")
	f.Add("{partition_key}", "", "\x00")
	f.Add("a.{stream", "k", "s")
	f.Add("}{", "k", "s")
	f.Fuzz(func(t *testing.T, tmpl, key, stream string) {
		s, err := parseSubject(tmpl)
		if err != nil {
			return
		}
		got := s.expand(&uplink.Record{PartitionKey: key, Stream: stream})
		if err := checkSubject(got); err != nil {
			t.Fatalf("template %q, key %q, stream %q: expanded to %q: %v", tmpl, key, stream, got, err)
		}
	})
}
