package function

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tidegate/tidegate/analytics/value"
)

func jsonFuncs() []*Func {
	return []*Func{
		{Name: "JSON_VALUE", Min: 2, Max: 2, Check: jsonValueCheck, Eval: jsonValue(nil),
			Prepare: func(args []Arg) (Impl, error) {
				p, ok := constString(args[1])
				if !ok {
					return jsonValue(nil), nil
				}
				path, err := ParsePath(p)
				if err != nil {
					return nil, argErrorf(1, "JSON_VALUE: %v", err)
				}
				return jsonValue(path), nil
			},
			Doc: "JSON_VALUE(j, '$.a.b[0]'): the value at a path; NULL when absent. A STRING j is parsed first"},
		{Name: "JSON_PARSE", Min: 1, Max: 1, Check: sig("JSON_PARSE", value.TypeJSON, AcceptString),
			Doc: "the JSON value written in a string; NULL when it is not JSON",
			Eval: func(_ *Context, a []value.Value) value.Value {
				if a[0].Kind() != value.KindString {
					return a[0]
				}
				v, err := value.ParseJSON(a[0].AsString())
				if err != nil {
					return value.Null
				}
				return v
			}},
		{Name: "TO_JSON", Min: 1, Max: 1, Check: sig("TO_JSON", value.TypeString, AcceptAny),
			Doc: "a value written as JSON text",
			Eval: func(_ *Context, a []value.Value) value.Value {
				return value.String(string(value.AppendJSON(nil, a[0])))
			}},
		{Name: "JSON_TYPE", Min: 1, Max: 1, Check: sig("JSON_TYPE", value.TypeString, AcceptAny),
			Doc:  "the kind of a value: BOOLEAN, BIGINT, DOUBLE, STRING, TIMESTAMP, INTERVAL, ARRAY or OBJECT",
			Eval: func(_ *Context, a []value.Value) value.Value { return value.String(a[0].Kind().String()) }},
		{Name: "JSON_LENGTH", Min: 1, Max: 1, Check: sig("JSON_LENGTH", value.TypeInt, AcceptAny),
			Doc: "the number of elements of an array or members of an object; NULL for other values",
			Eval: func(_ *Context, a []value.Value) value.Value {
				if k := a[0].Kind(); k != value.KindArray && k != value.KindObject {
					return value.Null
				}
				return value.Int(int64(a[0].Len()))
			}},
	}
}

func jsonValueCheck(args []Arg) (value.Type, error) {
	return value.TypeJSON, checkArgs("JSON_VALUE", args, AcceptAny, AcceptString)
}

func jsonValue(path []PathStep) Impl {
	return func(_ *Context, a []value.Value) value.Value {
		p := path
		if p == nil {
			if a[1].Kind() != value.KindString {
				return value.Null
			}
			var err error
			if p, err = ParsePath(a[1].AsString()); err != nil {
				return value.Null
			}
		}
		v := a[0]
		if v.Kind() == value.KindString {
			parsed, err := value.ParseJSON(v.AsString())
			if err != nil {
				return value.Null
			}
			v = parsed
		}
		return Walk(v, p)
	}
}

// PathStep is one step of a JSON path: a member (Key) or an array element (Index ≥ 0).
type PathStep struct {
	Key   string
	Index int
}

// Walk follows path from v; NULL when a step is missing.
func Walk(v value.Value, path []PathStep) value.Value {
	for _, s := range path {
		if s.Index >= 0 {
			v = v.Elem(s.Index)
		} else {
			v = v.Member(s.Key)
		}
	}
	return v
}

// ParsePath reads a JSON path: '$' then .name, ['name'] or [n] steps. A leading "$." may be
// left out ('a.b' is '$.a.b').
func ParsePath(p string) ([]PathStep, error) {
	s := strings.TrimPrefix(p, "$")
	if s == p && s != "" && s[0] != '.' && s[0] != '[' {
		s = "." + s
	}
	path := []PathStep{}
	for s != "" {
		switch s[0] {
		case '.':
			s = s[1:]
			end := strings.IndexAny(s, ".[")
			if end < 0 {
				end = len(s)
			}
			if end == 0 {
				return nil, fmt.Errorf("path '%s': empty member name", p)
			}
			path = append(path, PathStep{Key: s[:end], Index: -1})
			s = s[end:]
		case '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return nil, fmt.Errorf("path '%s': '[' without ']'", p)
			}
			inner := s[1:end]
			s = s[end+1:]
			if len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[len(inner)-1] == inner[0] {
				path = append(path, PathStep{Key: inner[1 : len(inner)-1], Index: -1})
				continue
			}
			n, err := strconv.Atoi(inner)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("path '%s': [%s] is neither an index nor a quoted name", p, inner)
			}
			path = append(path, PathStep{Index: n})
		default:
			return nil, fmt.Errorf("path '%s': expected '.' or '[' at '%s'", p, s)
		}
	}
	return path, nil
}
