package lexer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Reserved reports whether word (in any case) is a reserved keyword, one that cannot be a
// bare identifier. The list is kept short so that common column names (timestamp, session,
// rows, key, value, …) need no quotes; a word is reserved when reading it as a name would
// make a statement ambiguous (FROM, JOIN, EMIT …) or silently change its meaning (RIGHT in
// "FROM a RIGHT JOIN b" would otherwise be an alias).
func Reserved(word string) bool {
	_, ok := keyword(word)
	return ok
}

// keyword returns the upper-case form of a reserved word. Only ASCII words are keywords, so
// that Unicode case folding ("ſelect") cannot turn a name into one.
func keyword(word string) (string, bool) {
	if len(word) < 2 || len(word) > 8 {
		return "", false
	}
	for i := 0; i < len(word); i++ {
		if word[i] >= utf8.RuneSelf {
			return "", false
		}
	}
	upper := strings.ToUpper(word)
	switch upper {
	case "AND", "AS", "BETWEEN", "BY", "CASE", "CAST", "CREATE", "CROSS", "DISTINCT",
		"DROP", "ELSE", "EMIT", "END", "FALSE", "FROM", "FULL", "GROUP", "HAVING", "IN",
		"INNER", "INSERT", "INTERVAL", "INTO", "IS", "JOIN", "LEFT", "LIKE", "LIMIT",
		"NATURAL", "NOT", "NULL", "ON", "OR", "ORDER", "OUTER", "RIGHT", "SELECT", "THEN",
		"TRUE", "UNION", "WHEN", "WHERE", "WITH":
		return upper, true
	}
	return "", false
}

// IsIdentStart reports whether r can begin a bare identifier.
func IsIdentStart(r rune) bool {
	return r == '_' || unicode.IsLetter(r)
}

// IsIdentPart reports whether r can continue a bare identifier.
func IsIdentPart(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// QuoteIdent writes name so that it lexes back as one identifier with that name: bare when
// it can be, else in double quotes with inner quotes doubled.
func QuoteIdent(name string) string {
	if bareIdent(name) {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func bareIdent(name string) bool {
	if name == "" || !utf8.ValidString(name) || Reserved(name) {
		return false
	}
	for i, r := range name {
		if i == 0 && !IsIdentStart(r) || !IsIdentPart(r) {
			return false
		}
	}
	return true
}

// QuoteString writes s as a string literal: in single quotes, inner quotes doubled.
func QuoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
