package mqtt

import (
	"strings"
	"testing"
)

func TestMatchFilter(t *testing.T) {
	for _, tc := range []struct {
		filter, topic string
		want          bool
	}{
		{"a/b", "a/b", true},
		{"a/b", "a/b/c", false},
		{"a/+", "a/b", true},
		{"a/+", "a", false},
		{"a/+", "a/", true},
		{"a/#", "a", true},
		{"a/#", "a/b/c", true},
		{"#", "a/b", true},
		{"+/+", "a/b", true},
		{"+/b", "$SYS/b", false},
		{"#", "$SYS/x", false},
		{"a/+/#", "a", false},
		{"a/+/c", "a/x/c", true},
	} {
		if got := matchFilter(tc.filter, tc.topic); got != tc.want {
			t.Errorf("matchFilter(%q, %q) = %v", tc.filter, tc.topic, got)
		}
	}
}

func TestTemplate(t *testing.T) {
	for _, tc := range []struct {
		tpl, topic, want string
		values           map[string]any
		err              bool
	}{
		{tpl: "{1}", topic: "streams/sensors/dev", want: "sensors"},
		{tpl: "site-{0}/{2}", topic: "a/b/c", want: "site-a/c"},
		{tpl: "fixed", topic: "a", want: "fixed"},
		{tpl: "{3}", topic: "a/b", err: true},
		{tpl: "{1}", topic: "a/", err: true},
		{tpl: "field:id", values: map[string]any{"id": 42}, want: "42"},
		{tpl: "field:id", values: map[string]any{}, err: true},
	} {
		p, err := parseTemplate(tc.tpl)
		if err != nil {
			t.Fatalf("%q: %v", tc.tpl, err)
		}
		got, err := p.expand(tc.topic, tc.values)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("%q on %q = %q, %v", tc.tpl, tc.topic, got, err)
		}
	}
	for _, bad := range []string{"{", "}", "{x}", "{-1}", "field:", "a{1"} {
		if _, err := parseTemplate(bad); err == nil {
			t.Errorf("parseTemplate(%q) accepted", bad)
		}
	}
}

func FuzzTopicTemplate(f *testing.F) {
	f.Add("{1}", "streams/sensors/dev-1", "streams/+/+")
	f.Add("site-{0}/{2}", "a/b/c", "a/#")
	f.Add("field:x", "", "#")
	f.Add("{99999999999999999999}", "a//b", "+/+/+")
	f.Fuzz(func(t *testing.T, tpl, topic, filter string) {
		if p, err := parseTemplate(tpl); err == nil {
			got, err := p.expand(topic, map[string]any{"x": topic})
			if err == nil && got == "" {
				t.Fatalf("%q on %q expanded to nothing", tpl, topic)
			}
			if err == nil && p.fromTopic() {
				// Every level it took is a level of the topic.
				levels := strings.Split(topic, "/")
				for _, part := range p.parts {
					if part.level >= 0 && (part.level >= len(levels) || levels[part.level] == "") {
						t.Fatalf("%q on %q used missing level %d", tpl, topic, part.level)
					}
				}
			}
		}
		levels := strings.Split(topic, "/")
		for i, l := range levels {
			if got, ok := topicLevel(topic, i); !ok || got != l {
				t.Fatalf("topicLevel(%q, %d) = %q, %v; want %q", topic, i, got, ok, l)
			}
		}
		if _, ok := topicLevel(topic, len(levels)); ok {
			t.Fatalf("topicLevel(%q, %d) past the end", topic, len(levels))
		}
		if validFilter(filter) == nil {
			_ = matchFilter(filter, topic)
		}
		if topic != "" && !strings.ContainsAny(topic, "+#") && !matchFilter(topic, topic) {
			t.Fatalf("%q does not match itself", topic)
		}
		if !strings.HasPrefix(topic, "$") && !matchFilter("#", topic) {
			t.Fatalf("# does not match %q", topic)
		}
	})
}
