package ast

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tidegate/tidegate/analytics/lexer"
)

// IntegerLit is a whole number that fits in a BIGINT. A minus sign written directly before
// the digits is part of it: -5 is IntegerLit{-5}, -(5) is Unary{OpNeg, IntegerLit{5}}.
type IntegerLit struct {
	At    lexer.Pos
	Value int64
}

// FloatLit is a number written with a fraction or an exponent (1.5, 2e3), a DOUBLE.
type FloatLit struct {
	At    lexer.Pos
	Value float64
}

// StringLit is 'text'.
type StringLit struct {
	At    lexer.Pos
	Value string
}

// BoolLit is TRUE or FALSE.
type BoolLit struct {
	At    lexer.Pos
	Value bool
}

// NullLit is NULL.
type NullLit struct {
	At lexer.Pos
}

// TimestampLit is TIMESTAMP 'text', and the time after SINCE. The parser has checked that
// Text is one of the forms ParseTimestamp takes.
type TimestampLit struct {
	At   lexer.Pos
	Text string
}

// Time is the instant the literal names.
func (n *TimestampLit) Time() (time.Time, error) {
	return ParseTimestamp(n.Text)
}

// Interval is INTERVAL '5' SECOND, or INTERVAL '1h30m' (Unit NoUnit: Text in Go's duration
// syntax). Duration is its length, computed by the parser with ParseInterval.
type Interval struct {
	At       lexer.Pos
	Text     string
	Unit     IntervalUnit
	Duration time.Duration
}

// IntervalUnit is the unit word after an interval's quantity.
type IntervalUnit uint8

// The units. NoUnit is the shorthand form, whose text carries its own units.
const (
	NoUnit IntervalUnit = iota
	Millisecond
	Second
	Minute
	Hour
	Day
)

// String is the unit's canonical (singular) spelling, "" for NoUnit.
func (u IntervalUnit) String() string {
	switch u {
	case Millisecond:
		return "MILLISECOND"
	case Second:
		return "SECOND"
	case Minute:
		return "MINUTE"
	case Hour:
		return "HOUR"
	case Day:
		return "DAY"
	}
	return ""
}

// duration is the length of one unit.
func (u IntervalUnit) duration() time.Duration {
	switch u {
	case Millisecond:
		return time.Millisecond
	case Second:
		return time.Second
	case Minute:
		return time.Minute
	case Hour:
		return time.Hour
	case Day:
		return 24 * time.Hour
	}
	return 0
}

// UnitByName looks up an interval unit, singular or plural, case-insensitively.
func UnitByName(name string) (IntervalUnit, bool) {
	upper := strings.ToUpper(name)
	for u := Millisecond; u <= Day; u++ {
		if upper == u.String() || upper == u.String()+"S" {
			return u, true
		}
	}
	return NoUnit, false
}

// ParseInterval computes the length of INTERVAL 'text' unit. With a unit, text is a whole
// number ('5' SECOND); with NoUnit it is a Go duration ('1h30m', '1.5s', '250ms'). Neither
// may be negative. The planner uses it with NoUnit for duration options such as
// lateness = '5s', so that an option and an INTERVAL read the same way.
func ParseInterval(text string, unit IntervalUnit) (time.Duration, error) {
	if unit == NoUnit {
		if strings.HasPrefix(text, "-") || strings.HasPrefix(text, "+") {
			return 0, fmt.Errorf("interval '%s' has a sign; intervals are lengths, never negative", text)
		}
		d, err := time.ParseDuration(text)
		if err != nil {
			return 0, fmt.Errorf("interval '%s' is not a duration such as '90s', '1h30m' or '250ms'", text)
		}
		return d, nil
	}
	if text == "" || strings.TrimLeft(text, "0123456789") != "" {
		return 0, fmt.Errorf("interval '%s' %s: the quantity must be a whole number, as in INTERVAL '5' %s", text, unit, unit)
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n > math.MaxInt64/int64(unit.duration()) {
		return 0, fmt.Errorf("interval '%s' %s is too long (at most about 292 years)", text, unit)
	}
	return time.Duration(n) * unit.duration(), nil
}

// ParseTimestamp reads the text of a TIMESTAMP literal or of SINCE: RFC 3339 (with T or a
// space between date and time, any fraction of a second), a date and time without a zone
// (taken as UTC), or a date alone (midnight UTC).
func ParseTimestamp(text string) (time.Time, error) {
	for _, layout := range []string{
		time.RFC3339Nano,
		"2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999",
		time.DateOnly,
	} {
		if t, err := time.Parse(layout, text); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp '%s' is not an RFC 3339 time such as '2026-11-27T00:00:00Z', a UTC time such as '2026-11-27 08:30:00', or a date", text)
}

func (*IntegerLit) exprNode()   {}
func (*FloatLit) exprNode()     {}
func (*StringLit) exprNode()    {}
func (*BoolLit) exprNode()      {}
func (*NullLit) exprNode()      {}
func (*TimestampLit) exprNode() {}
func (*Interval) exprNode()     {}

func (n *IntegerLit) Pos() lexer.Pos   { return n.At }
func (n *FloatLit) Pos() lexer.Pos     { return n.At }
func (n *StringLit) Pos() lexer.Pos    { return n.At }
func (n *BoolLit) Pos() lexer.Pos      { return n.At }
func (n *NullLit) Pos() lexer.Pos      { return n.At }
func (n *TimestampLit) Pos() lexer.Pos { return n.At }
func (n *Interval) Pos() lexer.Pos     { return n.At }
