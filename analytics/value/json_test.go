package value

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParseJSON(t *testing.T) {
	v, err := ParseJSON(` {"a": 1, "b": [true, null, 2.5, -0, 1e2, 12345678901234567890], "c": "x\u00e9\n\ud83d\ude00", "a": "last"} `)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Member("a"); got.Kind() != KindString || got.AsString() != "last" {
		t.Errorf("duplicate key: got %v", got)
	}
	b := v.Member("b")
	if b.Len() != 6 || b.Elem(0).AsBool() != true || !b.Elem(1).IsNull() || b.Elem(2).AsDouble() != 2.5 ||
		b.Elem(3).Kind() != KindInt || b.Elem(4).Kind() != KindDouble || b.Elem(5).Kind() != KindDouble {
		t.Errorf("array: %v", b)
	}
	if c := v.Member("c").AsString(); c != "xé\n😀" {
		t.Errorf("string: %q", c)
	}
	for _, bad := range []string{``, `{`, `{"a"}`, `{"a":1,}`, `[1 2]`, `01`, `1.`, `-`, `"\x"`, "\"\x01\"", `1e400`, `nul`, `{} x`, `"abc`} {
		if _, err := ParseJSON(bad); err == nil {
			t.Errorf("ParseJSON(%q) accepted it", bad)
		}
	}
}

func TestDecodeObject(t *testing.T) {
	row := make(Row, 3)
	slots := map[string]int{"temp": 0, "device": 1, "nested": 2}
	err := DecodeObject(`{"device":"d1","skip":{"deep":[1,2,{"x":"y"}]},"temp":21.5,"nested":{"k":[1]}}`, slots, row)
	if err != nil {
		t.Fatal(err)
	}
	if row[0].AsDouble() != 21.5 || row[1].AsString() != "d1" || row[2].Member("k").Elem(0).AsInt() != 1 {
		t.Errorf("row = %v", row)
	}
	if err := DecodeObject(`[1]`, slots, row); !errors.Is(err, ErrNotObject) {
		t.Errorf("array record: %v", err)
	}
	if err := DecodeObject(`{"skip": [1,]}`, slots, row); err == nil {
		t.Error("a malformed skipped member was accepted")
	}
}

func TestAppendJSONRoundTrip(t *testing.T) {
	in := `{"a":[1,2.5,"x\"y\\z\u0001",null,true],"b":{"c":-1e-7},"d":1e+21,"e":123456789012}`
	v, err := ParseJSON(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(AppendJSON(nil, v)); got != in {
		t.Errorf("AppendJSON = %s, want %s", got, in)
	}
	if got := string(AppendJSON(nil, Double(math.NaN()))); got != "null" {
		t.Errorf("NaN as %s", got)
	}
}

// equalJSON compares our value with what encoding/json decoded.
func equalJSON(v Value, ref any) bool {
	switch r := ref.(type) {
	case nil:
		return v.IsNull()
	case bool:
		return v.Kind() == KindBool && v.AsBool() == r
	case float64:
		f, ok := v.Number()
		if v.Kind() == KindInt {
			return ok && float64(v.AsInt()) == r // encoding/json rounds big integers the same way
		}
		return ok && (f == r || math.IsNaN(f) && math.IsNaN(r))
	case string:
		return v.Kind() == KindString && v.AsString() == r
	case []any:
		if v.Kind() != KindArray || v.Len() != len(r) {
			return false
		}
		for i, e := range r {
			if !equalJSON(v.Elem(i), e) {
				return false
			}
		}
		return true
	case map[string]any:
		keys, _ := v.Members()
		if v.Kind() != KindObject || len(keys) != len(r) {
			return false
		}
		for k, e := range r {
			if !equalJSON(v.Member(k), e) {
				return false
			}
		}
		return true
	}
	return false
}

// FuzzParseJSON holds the hand-written parser to encoding/json: the same texts are
// accepted, to the same values, and what we write back parses to the same value again.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[1,2.5e3,-0.1]`, `"\ud83d\ude00\ud800x"`, `{"a":{"b":[true,false,null]}}`,
		"\"\xff\xfe\"", `12345678901234567890`, `-0`, `{"a":1,"a":2}`, ` [ ] `, `"\u0000"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseJSON(s)
		var ref any
		refErr := json.Unmarshal([]byte(s), &ref)
		if (err == nil) != (refErr == nil) {
			t.Fatalf("ParseJSON(%q): err %v, encoding/json: %v", s, err, refErr)
		}
		if err != nil {
			return
		}
		if !equalJSON(v, ref) {
			t.Fatalf("ParseJSON(%q) = %s, encoding/json: %#v", s, AppendJSON(nil, v), ref)
		}
		again, err := ParseJSON(string(AppendJSON(nil, v)))
		if err != nil || Order(again, v) != 0 {
			t.Fatalf("re-reading %s: %v, %v", AppendJSON(nil, v), again, err)
		}
		if strings.HasPrefix(strings.TrimLeft(s, " \t\r\n"), "{") {
			row := make(Row, 1)
			if err := DecodeObject(s, map[string]int{"a": 0}, row); err != nil {
				t.Fatalf("DecodeObject refused %q: %v", s, err)
			}
			if Order(row[0], v.Member("a")) != 0 {
				t.Fatalf("DecodeObject(%q) a = %v, want %v", s, row[0], v.Member("a"))
			}
		}
	})
}
