package object

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

type segmentKind int

const (
	segLiteral segmentKind = iota
	segTimestamp
	segRandom
	segErrorType
	segPartitionKey
)

// segment is literal text or one !{namespace:value} expression.
type segment struct {
	kind    segmentKind
	text    string // literal text, or the expression as written
	pattern timePattern
}

// Prefix is a parsed object prefix: literal text and the expressions
// Firehose evaluates at delivery time.
type Prefix struct {
	raw  string
	segs []segment
}

// Values are what a prefix's expressions evaluate to for one object.
type Values struct {
	// Time is the instant every !{timestamp:...} renders, in UTC.
	Time time.Time
	// Seed makes !{firehose:random-string} stable: the same seed gives the
	// same strings, so a retried batch gets the same key.
	Seed string
	// ErrorOutputType replaces !{firehose:error-output-type}.
	ErrorOutputType string
	// PartitionKey replaces !{partitionKey}, as it is: callers pass a key
	// made safe by EscapePartitionKey.
	PartitionKey string
}

// ParsePrefix parses a prefix. Expressions are !{timestamp:<pattern>} (a
// Java DateTimeFormatter pattern), !{firehose:random-string},
// !{firehose:error-output-type} and !{partitionKey}; the sequence "!{"
// appears nowhere else. The error names the offending expression and its
// offset.
func ParsePrefix(s string) (*Prefix, error) {
	if err := checkText(s); err != nil {
		return nil, err
	}
	p := &Prefix{raw: s}
	for i := 0; i < len(s); {
		start := strings.Index(s[i:], "!{")
		if start < 0 {
			p.literal(s, i, len(s))
			break
		}
		start += i
		p.literal(s, i, start)
		end := strings.IndexByte(s[start:], '}')
		if end < 0 {
			return nil, fmt.Errorf("object: prefix %q: unclosed expression %q at offset %d", s, clip(s[start:]), start)
		}
		end += start
		seg, err := parseExpression(s[start+2 : end])
		if err != nil {
			return nil, fmt.Errorf("object: prefix %q: expression %q at offset %d: %w", s, s[start:end+1], start, err)
		}
		seg.text = s[start : end+1]
		p.segs = append(p.segs, seg)
		i = end + 1
	}
	return p, nil
}

// literal appends s[from:to] as literal text.
func (p *Prefix) literal(s string, from, to int) {
	if from < to {
		p.segs = append(p.segs, segment{kind: segLiteral, text: s[from:to]})
	}
}

// checkText refuses what no object name should hold: invalid UTF-8 (S3
// keys are UTF-8) and control characters.
func checkText(s string) error {
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			return fmt.Errorf("object: prefix %q: invalid UTF-8 at offset %d", s, i)
		case r < 0x20 || r == 0x7f:
			return fmt.Errorf("object: prefix %q: control character %q at offset %d", s, r, i)
		}
	}
	return nil
}

func parseExpression(body string) (segment, error) {
	if strings.Contains(body, "!{") {
		return segment{}, fmt.Errorf(`"!{" inside an expression`)
	}
	ns, value, hasValue := strings.Cut(body, ":")
	switch ns {
	case "timestamp":
		if value == "" {
			return segment{}, fmt.Errorf("timestamp needs a pattern, as in !{timestamp:yyyy/MM/dd}")
		}
		pat, err := parseTimePattern(value)
		if err != nil {
			return segment{}, fmt.Errorf("timestamp pattern %q: %w", value, err)
		}
		return segment{kind: segTimestamp, pattern: pat}, nil
	case "firehose":
		switch value {
		case "random-string":
			return segment{kind: segRandom}, nil
		case "error-output-type":
			return segment{kind: segErrorType}, nil
		}
		return segment{}, fmt.Errorf("unknown firehose value %q (want random-string or error-output-type)", value)
	case "partitionKey":
		if hasValue {
			return segment{}, fmt.Errorf("partitionKey takes no value: write !{partitionKey}")
		}
		return segment{kind: segPartitionKey}, nil
	case "partitionKeyFromQuery", "partitionKeyFromLambda":
		return segment{}, fmt.Errorf("namespace %q needs Firehose dynamic partitioning, which tidegate does not run: use !{partitionKey}", ns)
	}
	return segment{}, fmt.Errorf("unknown namespace %q (want timestamp, firehose or partitionKey)", ns)
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// String returns the prefix as written.
func (p *Prefix) String() string { return p.raw }

// HasExpressions reports whether the prefix holds any !{...} expression.
func (p *Prefix) HasExpressions() bool {
	for _, s := range p.segs {
		if s.kind != segLiteral {
			return true
		}
	}
	return false
}

func (p *Prefix) has(k segmentKind) bool {
	for _, s := range p.segs {
		if s.kind == k {
			return true
		}
	}
	return false
}

// Evaluate renders the prefix for one object. Every timestamp expression
// renders the same instant; every random-string expression a different
// string, derived from v.Seed.
func (p *Prefix) Evaluate(v Values) string {
	t := v.Time.UTC()
	var b []byte
	nrand := 0
	for _, s := range p.segs {
		switch s.kind {
		case segLiteral:
			b = append(b, s.text...)
		case segTimestamp:
			b = s.pattern.appendTime(b, t)
		case segRandom:
			b = append(b, randomString(v.Seed, nrand)...)
			nrand++
		case segErrorType:
			b = append(b, v.ErrorOutputType...)
		case segPartitionKey:
			b = append(b, v.PartitionKey...)
		}
	}
	return string(b)
}

// randomString is Firehose's 11-character random string, derived from a
// seed so that it is the same each time a batch is written.
func randomString(seed string, n int) string {
	h := sha256.Sum256([]byte("random-string\x00" + seed + "\x00" + strconv.Itoa(n)))
	return hex.EncodeToString(h[:6])[:11]
}
