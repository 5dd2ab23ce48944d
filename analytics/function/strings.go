package function

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/tidegate/tidegate/analytics/value"
)

func str1(name, doc string, f func(string) string) *Func {
	return &Func{Name: name, Min: 1, Max: 1, Doc: doc, Check: sig(name, value.TypeString, AcceptString),
		Eval: func(_ *Context, a []value.Value) value.Value {
			if a[0].Kind() != value.KindString {
				return value.Null
			}
			return value.String(f(a[0].AsString()))
		}}
}

// strs reads every argument as a string; ok false when one is not.
func strs(a []value.Value) ([]string, bool) {
	out := make([]string, len(a))
	for i, v := range a {
		if v.Kind() != value.KindString {
			return nil, false
		}
		out[i] = v.AsString()
	}
	return out, true
}

func stringFuncs() []*Func {
	return []*Func{
		str1("LOWER", "lower case", strings.ToLower),
		str1("UPPER", "upper case", strings.ToUpper),
		str1("REVERSE", "characters in reverse order", reverse),
		{Name: "LENGTH", Min: 1, Max: 1, Check: sig("LENGTH", value.TypeInt, AcceptString), Doc: "number of characters",
			Eval: func(_ *Context, a []value.Value) value.Value {
				if a[0].Kind() != value.KindString {
					return value.Null
				}
				return value.Int(int64(utf8.RuneCountInString(a[0].AsString())))
			}},
		{Name: "CHAR_LENGTH", Min: 1, Max: 1, Check: sig("CHAR_LENGTH", value.TypeInt, AcceptString), Doc: "LENGTH",
			Eval: func(_ *Context, a []value.Value) value.Value {
				if a[0].Kind() != value.KindString {
					return value.Null
				}
				return value.Int(int64(utf8.RuneCountInString(a[0].AsString())))
			}},
		{Name: "SUBSTRING", Min: 2, Max: 3, Check: sig("SUBSTRING", value.TypeString, AcceptString, AcceptInt),
			Doc: "SUBSTRING(s, start[, length]): characters from start (1-based)", Eval: substring},
		{Name: "SUBSTR", Min: 2, Max: 3, Check: sig("SUBSTR", value.TypeString, AcceptString, AcceptInt),
			Doc: "SUBSTRING", Eval: substring},
		trimFunc("TRIM", strings.Trim), trimFunc("LTRIM", strings.TrimLeft), trimFunc("RTRIM", strings.TrimRight),
		{Name: "CONCAT", Min: 1, Max: -1, NullSafe: true, Check: sig("CONCAT", value.TypeString, AcceptAny),
			Doc: "the arguments' text, one after another; NULLs are skipped",
			Eval: func(_ *Context, a []value.Value) value.Value {
				var b []byte
				for _, v := range a {
					b = value.AppendText(b, v)
				}
				return value.String(string(b))
			}},
		{Name: "REPLACE", Min: 3, Max: 3, Check: sig("REPLACE", value.TypeString, AcceptString),
			Doc: "REPLACE(s, from, to): every from replaced", Eval: func(_ *Context, a []value.Value) value.Value {
				s, ok := strs(a)
				if !ok {
					return value.Null
				}
				if s[1] == "" {
					return a[0]
				}
				return value.String(strings.ReplaceAll(s[0], s[1], s[2]))
			}},
		{Name: "SPLIT_PART", Min: 3, Max: 3, Check: sig("SPLIT_PART", value.TypeString, AcceptString, AcceptString, AcceptInt),
			Doc:  "SPLIT_PART(s, delimiter, n): the n-th field (1-based; negative from the end); '' past the end",
			Eval: splitPart},
		{Name: "POSITION", Min: 2, Max: 2, Check: sig("POSITION", value.TypeInt, AcceptString),
			Doc: "POSITION(s, sub): where sub starts in s (1-based), 0 when absent", Eval: position},
		{Name: "STRPOS", Min: 2, Max: 2, Check: sig("STRPOS", value.TypeInt, AcceptString), Doc: "POSITION", Eval: position},
		{Name: "STARTS_WITH", Min: 2, Max: 2, Check: sig("STARTS_WITH", value.TypeBool, AcceptString),
			Doc: "whether s starts with prefix", Eval: strPred(strings.HasPrefix)},
		{Name: "ENDS_WITH", Min: 2, Max: 2, Check: sig("ENDS_WITH", value.TypeBool, AcceptString),
			Doc: "whether s ends with suffix", Eval: strPred(strings.HasSuffix)},
		{Name: "CONTAINS", Min: 2, Max: 2, Check: sig("CONTAINS", value.TypeBool, AcceptString),
			Doc: "whether s contains sub", Eval: strPred(strings.Contains)},
		{Name: "REGEXP_MATCH", Min: 2, Max: 2, Check: sig("REGEXP_MATCH", value.TypeBool, AcceptString),
			Doc: "whether s matches the regular expression (RE2 syntax, unanchored)", Eval: regexpMatch(nil),
			Prepare: prepareRegexp("REGEXP_MATCH", regexpMatch)},
		{Name: "REGEXP_EXTRACT", Min: 2, Max: 3, Check: sig("REGEXP_EXTRACT", value.TypeString, AcceptString, AcceptString, AcceptInt),
			Doc: "REGEXP_EXTRACT(s, re[, group]): the first match (or its group); NULL when none", Eval: regexpExtract(nil),
			Prepare: prepareRegexp("REGEXP_EXTRACT", regexpExtract)},
		{Name: "REGEXP_REPLACE", Min: 3, Max: 3, Check: sig("REGEXP_REPLACE", value.TypeString, AcceptString),
			Doc: "REGEXP_REPLACE(s, re, replacement): every match replaced ($1 for a group)", Eval: regexpReplace(nil),
			Prepare: prepareRegexp("REGEXP_REPLACE", regexpReplace)},
	}
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

func clampInt(n, lo, hi int64) int64 { return max(lo, min(n, hi)) }

// substring follows standard SQL: the characters at positions start … start+length-1 that
// exist; a negative length is NULL.
func substring(_ *Context, a []value.Value) value.Value {
	if a[0].Kind() != value.KindString || a[1].Kind() != value.KindInt {
		return value.Null
	}
	s := a[0].AsString()
	start := a[1].AsInt()
	end := int64(1) << 62
	if len(a) == 3 {
		if a[2].Kind() != value.KindInt || a[2].AsInt() < 0 {
			return value.Null
		}
		if l := a[2].AsInt(); start < end-l {
			end = start + l
		}
	}
	var b strings.Builder
	pos := int64(1)
	for _, r := range s {
		if pos >= end {
			break
		}
		if pos >= start {
			b.WriteRune(r)
		}
		pos++
	}
	return value.String(b.String())
}

func trimFunc(name string, trim func(string, string) string) *Func {
	return &Func{Name: name, Min: 1, Max: 2, Check: sig(name, value.TypeString, AcceptString),
		Doc: name + "(s[, characters]): removes spaces (or the characters given)",
		Eval: func(_ *Context, a []value.Value) value.Value {
			s, ok := strs(a)
			if !ok {
				return value.Null
			}
			cut := " "
			if len(s) == 2 {
				cut = s[1]
			}
			return value.String(trim(s[0], cut))
		}}
}

func splitPart(_ *Context, a []value.Value) value.Value {
	if a[0].Kind() != value.KindString || a[1].Kind() != value.KindString || a[2].Kind() != value.KindInt {
		return value.Null
	}
	n := a[2].AsInt()
	if n == 0 {
		return value.Null
	}
	var parts []string
	if d := a[1].AsString(); d == "" {
		parts = []string{a[0].AsString()}
	} else {
		parts = strings.Split(a[0].AsString(), d)
	}
	if n < 0 {
		n += int64(len(parts)) + 1
	}
	if n < 1 || n > int64(len(parts)) {
		return value.String("")
	}
	return value.String(parts[n-1])
}

func position(_ *Context, a []value.Value) value.Value {
	s, ok := strs(a)
	if !ok {
		return value.Null
	}
	i := strings.Index(s[0], s[1])
	if i < 0 {
		return value.Int(0)
	}
	return value.Int(int64(utf8.RuneCountInString(s[0][:i])) + 1)
}

func strPred(f func(s, x string) bool) Impl {
	return func(_ *Context, a []value.Value) value.Value {
		s, ok := strs(a)
		if !ok {
			return value.Null
		}
		return value.Bool(f(s[0], s[1]))
	}
}

// prepareRegexp compiles a constant pattern once; make builds the implementation for a
// compiled pattern (nil: compile the row's pattern each time).
func prepareRegexp(name string, make func(*regexp.Regexp) Impl) func([]Arg) (Impl, error) {
	return func(args []Arg) (Impl, error) {
		p, ok := constString(args[1])
		if !ok {
			return make(nil), nil
		}
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, argErrorf(1, "%s: bad regular expression: %v", name, err)
		}
		return make(re), nil
	}
}

// pattern is re, or the row's own pattern compiled (nil when it does not compile).
func pattern(re *regexp.Regexp, v value.Value) *regexp.Regexp {
	if re != nil {
		return re
	}
	if v.Kind() != value.KindString {
		return nil
	}
	r, err := regexp.Compile(v.AsString())
	if err != nil {
		return nil
	}
	return r
}

func regexpMatch(re *regexp.Regexp) Impl {
	return func(_ *Context, a []value.Value) value.Value {
		r := pattern(re, a[1])
		if r == nil || a[0].Kind() != value.KindString {
			return value.Null
		}
		return value.Bool(r.MatchString(a[0].AsString()))
	}
}

func regexpExtract(re *regexp.Regexp) Impl {
	return func(_ *Context, a []value.Value) value.Value {
		r := pattern(re, a[1])
		if r == nil || a[0].Kind() != value.KindString {
			return value.Null
		}
		group := int64(0)
		if len(a) == 3 {
			if a[2].Kind() != value.KindInt {
				return value.Null
			}
			group = a[2].AsInt()
		}
		m := r.FindStringSubmatchIndex(a[0].AsString())
		if m == nil || group < 0 || group > int64(r.NumSubexp()) || m[2*group] < 0 {
			return value.Null
		}
		return value.String(a[0].AsString()[m[2*group]:m[2*group+1]])
	}
}

func regexpReplace(re *regexp.Regexp) Impl {
	return func(_ *Context, a []value.Value) value.Value {
		r := pattern(re, a[1])
		if r == nil || a[0].Kind() != value.KindString || a[2].Kind() != value.KindString {
			return value.Null
		}
		return value.String(r.ReplaceAllString(a[0].AsString(), a[2].AsString()))
	}
}
