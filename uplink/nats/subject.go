package nats

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tidegate/tidegate/uplink"
)

// Placeholders a subject template may hold; each expands to one record's
// value, made safe as (part of) a subject token.
const (
	PlaceholderPartitionKey = "{partition_key}"
	PlaceholderStream       = "{stream}"
)

// subject is a parsed subject template: literal text and placeholders.
type subject struct {
	parts []part
	// static is the whole subject when the template has no placeholder.
	static string
}

type part struct {
	literal string
	field   field
}

type field int

const (
	fieldLiteral field = iota
	fieldPartitionKey
	fieldStream
)

// parseSubject parses a template such as "tidegate.{stream}.{partition_key}"
// and checks that every expansion is a subject JetStream can store: no
// empty token, no wildcard, no whitespace.
func parseSubject(tmpl string) (subject, error) {
	var t subject
	rest := tmpl
	for rest != "" {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			t.parts = append(t.parts, part{literal: rest})
			break
		}
		if open > 0 {
			t.parts = append(t.parts, part{literal: rest[:open]})
			rest = rest[open:]
		}
		switch {
		case strings.HasPrefix(rest, PlaceholderPartitionKey):
			t.parts = append(t.parts, part{field: fieldPartitionKey})
			rest = rest[len(PlaceholderPartitionKey):]
		case strings.HasPrefix(rest, PlaceholderStream):
			t.parts = append(t.parts, part{field: fieldStream})
			rest = rest[len(PlaceholderStream):]
		default:
			end := strings.IndexByte(rest, '}')
			if rest[0] == '}' || end < 0 {
				return subject{}, fmt.Errorf("%q: unbalanced brace", tmpl)
			}
			return subject{}, fmt.Errorf("%q: unknown placeholder %s (want %s or %s)", tmpl, rest[:end+1], PlaceholderPartitionKey, PlaceholderStream)
		}
	}
	// A placeholder always expands to at least one safe character, so
	// checking the template with each one standing as "x" checks all.
	if err := checkSubject(t.expandWith("x", "x")); err != nil {
		return subject{}, fmt.Errorf("%q: %w", tmpl, err)
	}
	if len(t.parts) == 1 && t.parts[0].field == fieldLiteral {
		t.static = t.parts[0].literal
	}
	return t, nil
}

// expand returns the subject for one record.
func (t subject) expand(r *uplink.Record) string {
	if t.static != "" {
		return t.static
	}
	return t.expandWith(safeToken(r.PartitionKey), safeToken(r.Stream))
}

func (t subject) expandWith(key, stream string) string {
	var b strings.Builder
	for _, p := range t.parts {
		switch p.field {
		case fieldPartitionKey:
			b.WriteString(key)
		case fieldStream:
			b.WriteString(stream)
		default:
			b.WriteString(p.literal)
		}
	}
	return b.String()
}

// safeToken makes a value usable inside one subject token: the token
// separator '.', the wildcards '*' and '>', whitespace, control characters
// and invalid UTF-8 become '_', and an empty value becomes "_".
func safeToken(v string) string {
	if v == "" {
		return "_"
	}
	if !needsEscape(v) {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); {
		r, size := utf8.DecodeRuneInString(v[i:])
		if unsafeRune(r) {
			b.WriteByte('_')
		} else {
			b.WriteString(v[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(v string) bool {
	for _, r := range v {
		if unsafeRune(r) {
			return true
		}
	}
	return false
}

func unsafeRune(r rune) bool {
	return r == '.' || r == '*' || r == '>' || r == utf8.RuneError || unicode.IsSpace(r) || unicode.IsControl(r)
}

// checkSubject accepts a subject a message can be published to.
func checkSubject(s string) error {
	if s == "" {
		return fmt.Errorf("empty subject")
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("not valid UTF-8")
	}
	for tok := range strings.SplitSeq(s, ".") {
		if tok == "" {
			return fmt.Errorf("empty token (leading, trailing or double '.')")
		}
		for _, r := range tok {
			switch {
			case r == '*' || r == '>':
				return fmt.Errorf("wildcard %q: messages are published to one subject", r)
			case unicode.IsSpace(r) || unicode.IsControl(r):
				return fmt.Errorf("whitespace or control character %q", r)
			}
		}
	}
	return nil
}
