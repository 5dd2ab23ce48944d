package parser

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tidegate/tidegate/analytics/lexer"
)

// clearPositions zeroes every position in a parsed tree, in place, so that trees parsed
// from different texts can be compared with reflect.DeepEqual.
func clearPositions(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			clearPositions(v.Elem())
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[lexer.Pos]() {
			v.SetZero()
			return
		}
		for i := range v.NumField() {
			clearPositions(v.Field(i))
		}
	case reflect.Slice:
		for i := range v.Len() {
			clearPositions(v.Index(i))
		}
	}
}

// sameTree reports whether two trees are equal but for positions. It clears theirs.
func sameTree(a, b any) bool {
	clearPositions(reflect.ValueOf(a))
	clearPositions(reflect.ValueOf(b))
	return reflect.DeepEqual(a, b)
}

// checkPos requires that p be inside src and that its line and column be those of its
// offset.
func checkPos(t *testing.T, src string, p lexer.Pos) {
	t.Helper()
	if p.Offset < 0 || p.Offset > len(src) {
		t.Fatalf("offset %d outside the text (%d bytes)", p.Offset, len(src))
	}
	before := src[:p.Offset]
	line := strings.Count(before, "\n") + 1
	col := utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:]) + 1
	if p.Line != line || p.Column != col {
		t.Fatalf("position %+v, but its offset is at %d:%d", p, line, col)
	}
}
