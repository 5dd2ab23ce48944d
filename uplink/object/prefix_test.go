package object

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/uplink"
)

// evaluated returns the prefix part of the key of a one-record batch made
// at at, after checking the rest is Firehose's suffix.
func evaluated(t *testing.T, keys []Object, at time.Time) string {
	t.Helper()
	if len(keys) != 1 {
		t.Fatalf("%d objects, want 1", len(keys))
	}
	suffix := regexp.MustCompile(`to-cloud-1-` + at.UTC().Format("2006-01-02-15-04-05") + `-[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	loc := suffix.FindStringIndex(keys[0].Key)
	if loc == nil {
		t.Fatalf("key %q does not end in Firehose's suffix", keys[0].Key)
	}
	return keys[0].Key[:loc[0]]
}

// TestFirehoseExamples checks the examples of Firehose's "Custom Prefixes
// for Amazon S3 Objects" page. The page's table has two slips we correct:
// it evaluates the day in the first and third rows to "10" (the hour), and
// evaluates "myFirehosePrefix" to "myFirehosePrefix/2018/08/27/", against its
// own rule that an error-free literal prefix is followed directly by
// YYYY/MM/DD/HH/ (only a prefix that ends with "/" makes a folder).
func TestFirehoseExamples(t *testing.T) {
	aug27 := time.Date(2018, time.August, 27, 10, 30, 0, 0, time.UTC)
	jul6 := time.Date(2018, time.July, 6, 23, 30, 0, 0, time.UTC)
	aug3 := time.Date(2018, time.August, 3, 10, 30, 0, 0, time.UTC)
	tests := []struct {
		name                string
		prefix, errorPrefix string
		at                  time.Time
		want, wantError     string // regular expressions, anchored
	}{
		{"unspecified prefix", "", "myFirehoseFailures/!{firehose:error-output-type}/", aug27,
			`2018/08/27/10/`, `myFirehoseFailures/processing-failed/`},
		{"timestamp and random string", "myFirehose/DeliveredYear=!{timestamp:yyyy}/anyMonth/rand=!{firehose:random-string}",
			"myFirehoseFailures/!{firehose:error-output-type}/!{timestamp:yyyy}/anyMonth/!{timestamp:dd}", aug27,
			`myFirehose/DeliveredYear=2018/anyMonth/rand=[0-9a-f]{11}`, `myFirehoseFailures/processing-failed/2018/anyMonth/27`},
		{"quoted literals", "myPrefix/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/",
			"myErrorPrefix/!{timestamp:'year='yyyy'/month='MM'/day='dd'/hour='HH}/!{firehose:error-output-type}", jul6,
			`myPrefix/year=2018/month=07/day=06/hour=23/`, `myErrorPrefix/year=2018/month=07/day=06/hour=23/processing-failed`},
		{"literal prefix, default error prefix", "myFirehosePrefix", "", aug27,
			`myFirehosePrefix2018/08/27/10/`, `myFirehosePrefixprocessing-failed/2018/08/27/10/`},
		{"literal folder, default error prefix", "myFirehosePrefix/", "", aug27,
			`myFirehosePrefix/2018/08/27/10/`, `myFirehosePrefix/processing-failed/2018/08/27/10/`},
		{"error-output-type table row", "", "myPrefix/result=!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}", aug3,
			`2018/08/03/10/`, `myPrefix/result=processing-failed/2018/08/03`},
		{"random-string table row", "myPrefix/!{firehose:random-string}/", "e/!{firehose:error-output-type}", aug3,
			// No timestamp expression: Firehose appends yyyy/MM/dd/HH/.
			`myPrefix/[0-9a-f]{11}/2018/08/03/10/`, `e/processing-failed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := NewLayout(tt.prefix, tt.errorPrefix, None)
			if err != nil {
				t.Fatal(err)
			}
			b := &uplink.Batch{ID: "b-1", Delivery: "to-cloud", Created: tt.at, Records: []uplink.Record{{Data: []byte("x")}}}
			objs, err := l.Objects(b)
			if err != nil {
				t.Fatal(err)
			}
			if got := evaluated(t, objs, tt.at); !regexp.MustCompile(`^` + tt.want + `$`).MatchString(got) {
				t.Errorf("prefix evaluates to %q, want %s", got, tt.want)
			}
			errs, err := l.ErrorObjects(b, "processing-failed")
			if err != nil {
				t.Fatal(err)
			}
			if got := evaluated(t, errs, tt.at); !regexp.MustCompile(`^` + tt.wantError + `$`).MatchString(got) {
				t.Errorf("error prefix evaluates to %q, want %s", got, tt.wantError)
			}
		})
	}
}

func TestLayoutValidation(t *testing.T) {
	tests := []struct {
		name, prefix, errorPrefix string
		wantIn                    []string // all in the error; none: valid
	}{
		{"both empty", "", "", nil},
		{"literal error prefix", "data/", "errors/", nil},
		{"firehose example: expressions without error prefix", "!{timestamp:yyyy/MM/dd}", "",
			[]string{"error_prefix", "must be set"}},
		{"error-output-type in prefix", "a/!{firehose:error-output-type}/", "e/!{firehose:error-output-type}",
			[]string{"prefix", "may only appear in error_prefix"}},
		{"error prefix without error-output-type", "!{timestamp:yyyy}/", "errors/",
			[]string{"error_prefix", "must hold !{firehose:error-output-type}"}},
		{"error prefix expressions without error-output-type", "", "errors/!{timestamp:yyyy}/",
			[]string{"error_prefix", "must hold !{firehose:error-output-type}"}},
		{"unknown namespace", "a/!{foo:bar}/", "", []string{"prefix", `"!{foo:bar}"`, "offset 2", `unknown namespace "foo"`}},
		{"unknown namespace in error prefix", "", "e/!{firehose:error-output-type}/!{nope}", []string{"error_prefix", `"!{nope}"`}},
		{"unclosed", "a/!{timestamp:yyyy", "", []string{"prefix", "unclosed expression"}},
		{"dynamic partitioning", "!{partitionKeyFromQuery:id}/", "e/!{firehose:error-output-type}", []string{"use !{partitionKey}"}},
		{"bad letter", "!{timestamp:yyyy-QQ}", "e/!{firehose:error-output-type}", []string{`"!{timestamp:yyyy-QQ}"`, "'Q'"}},
		{"empty pattern", "!{timestamp:}", "e/!{firehose:error-output-type}", []string{"needs a pattern"}},
		{"firehose value", "!{firehose:uuid}", "e/!{firehose:error-output-type}", []string{`unknown firehose value "uuid"`}},
		{"partitionKey value", "!{partitionKey:x}", "e/!{firehose:error-output-type}", []string{"takes no value"}},
		{"nested", "!{timestamp:!{x}}", "e/!{firehose:error-output-type}", []string{`"!{" inside an expression`}},
		{"control character", "a\nb/", "", []string{"control character"}},
		{"invalid utf-8", "a\xffb/", "", []string{"invalid UTF-8"}},
		{"too long", strings.Repeat("a", 1025), "", []string{"prefix", "longer than 1024"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewLayout(tt.prefix, tt.errorPrefix, Gzip)
			if tt.wantIn == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("NewLayout accepted it")
			}
			if !errors.Is(err, uplink.ErrConfig) {
				t.Errorf("error %v does not wrap uplink.ErrConfig", err)
			}
			for _, w := range tt.wantIn {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestEvaluateRandomStrings(t *testing.T) {
	p, err := ParsePrefix("!{firehose:random-string}/!{firehose:random-string}/")
	if err != nil {
		t.Fatal(err)
	}
	a := p.Evaluate(Values{Seed: "s"})
	parts := strings.Split(a, "/")
	if len(parts[0]) != 11 || parts[0] == parts[1] {
		t.Errorf("random strings %q: want two different 11-character strings", a)
	}
	if b := p.Evaluate(Values{Seed: "s"}); b != a {
		t.Errorf("same seed gave %q then %q", a, b)
	}
	if c := p.Evaluate(Values{Seed: "t"}); c == a {
		t.Errorf("different seeds both gave %q", a)
	}
}
