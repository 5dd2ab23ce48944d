package mqtt

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Errors of topic filters and templates.
var (
	ErrBadFilter   = errors.New("mqtt: bad topic filter")
	ErrBadTemplate = errors.New("mqtt: bad template")
	// ErrNoValue: a template names a topic level or field the message
	// does not have.
	ErrNoValue = errors.New("mqtt: template value missing")
)

// validFilter checks an MQTT topic filter: '#' only as the last level,
// '+' and '#' only as whole levels.
func validFilter(f string) error {
	if f == "" {
		return fmt.Errorf("%w: empty", ErrBadFilter)
	}
	levels := strings.Split(f, "/")
	for i, l := range levels {
		switch {
		case l == "#" && i != len(levels)-1:
			return fmt.Errorf("%w: %q: '#' must be the last level", ErrBadFilter, f)
		case l != "#" && l != "+" && strings.ContainsAny(l, "#+"):
			return fmt.Errorf("%w: %q: wildcards must fill a whole level", ErrBadFilter, f)
		}
	}
	return nil
}

// matchFilter reports whether topic matches filter (MQTT 3.1.1 §4.7).
// Topics starting with '$' are not matched by a leading wildcard.
func matchFilter(filter, topic string) bool {
	if strings.HasPrefix(topic, "$") && (strings.HasPrefix(filter, "+") || strings.HasPrefix(filter, "#")) {
		return false
	}
	for {
		f, frest, fmore := strings.Cut(filter, "/")
		if f == "#" {
			return true
		}
		t, trest, tmore := strings.Cut(topic, "/")
		if f != "+" && f != t {
			return false
		}
		if !fmore || !tmore {
			// "a/#" also matches "a".
			return fmore == tmore || (fmore && frest == "#")
		}
		filter, topic = frest, trest
	}
}

// template is a parsed stream or device rule: literal text with {N}
// placeholders for topic level N (0-based), or "field:NAME" taking a
// decoded value.
type template struct {
	field string // set for "field:NAME"
	parts []tplPart
}

type tplPart struct {
	lit   string
	level int // -1 for a literal
}

func parseTemplate(s string) (template, error) {
	if name, ok := strings.CutPrefix(s, "field:"); ok {
		if name == "" {
			return template{}, fmt.Errorf("%w: %q: field name missing", ErrBadTemplate, s)
		}
		return template{field: name}, nil
	}
	var t template
	for s != "" {
		i := strings.IndexAny(s, "{}")
		if i < 0 {
			t.parts = append(t.parts, tplPart{lit: s, level: -1})
			break
		}
		if s[i] == '}' {
			return template{}, fmt.Errorf("%w: unmatched '}'", ErrBadTemplate)
		}
		if i > 0 {
			t.parts = append(t.parts, tplPart{lit: s[:i], level: -1})
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return template{}, fmt.Errorf("%w: unmatched '{'", ErrBadTemplate)
		}
		n, err := strconv.Atoi(s[i+1 : i+j])
		if err != nil || n < 0 || n > 1000 {
			return template{}, fmt.Errorf("%w: %q is not a topic level number", ErrBadTemplate, s[i:i+j+1])
		}
		t.parts = append(t.parts, tplPart{level: n})
		s = s[i+j+1:]
	}
	return t, nil
}

// fromTopic reports whether the template depends only on the topic.
func (t template) fromTopic() bool { return t.field == "" }

// expand fills the template from the topic's levels, or from values for
// a field template. An empty result is ErrNoValue.
func (t template) expand(topic string, values map[string]any) (string, error) {
	if t.field != "" {
		v, ok := values[t.field]
		if !ok || v == nil {
			return "", fmt.Errorf("%w: field %q", ErrNoValue, t.field)
		}
		s := fmt.Sprint(v)
		if s == "" {
			return "", fmt.Errorf("%w: field %q is empty", ErrNoValue, t.field)
		}
		return s, nil
	}
	if len(t.parts) == 1 && t.parts[0].level < 0 {
		return t.parts[0].lit, nil
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.level < 0 {
			b.WriteString(p.lit)
			continue
		}
		l, ok := topicLevel(topic, p.level)
		if !ok || l == "" {
			return "", fmt.Errorf("%w: topic %q has no level %d", ErrNoValue, topic, p.level)
		}
		b.WriteString(l)
	}
	if b.Len() == 0 {
		return "", fmt.Errorf("%w: empty", ErrNoValue)
	}
	return b.String(), nil
}

// topicLevel returns level n (0-based) of topic.
func topicLevel(topic string, n int) (string, bool) {
	for range n {
		_, rest, ok := strings.Cut(topic, "/")
		if !ok {
			return "", false
		}
		topic = rest
	}
	l, _, _ := strings.Cut(topic, "/")
	return l, true
}
