package typed

import (
	"reflect"
	"sort"
	"strings"
)

// The keys a struct takes, named as go-yaml names them: the yaml tag, else
// the json tag, else the field name in lower case; `-` and unexported fields
// are left out, and an inline field's keys are the struct's own.

// keysOf returns the keys the struct t (or *t) takes; none when t is not a
// struct.
func keysOf(t reflect.Type) map[string]bool {
	keys := map[string]bool{}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return keys
	}
	for f := range t.Fields() {
		name, inline, ok := yamlName(f)
		switch {
		case !ok:
		case inline:
			for k := range keysOf(f.Type) {
				keys[k] = true
			}
		default:
			keys[name] = true
		}
	}
	return keys
}

// fieldType returns the type of the field of struct t that key decodes
// into, nil if none.
func fieldType(t reflect.Type, key string) reflect.Type {
	for f := range t.Fields() {
		name, inline, ok := yamlName(f)
		switch {
		case !ok:
		case inline:
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if t := fieldType(ft, key); t != nil {
					return t
				}
			}
		case name == key:
			return f.Type
		}
	}
	return nil
}

func yamlName(f reflect.StructField) (name string, inline, ok bool) {
	if f.PkgPath != "" && !f.Anonymous {
		return "", false, false
	}
	tag := f.Tag.Get("yaml")
	if tag == "" {
		tag = f.Tag.Get("json")
	}
	if tag == "-" {
		return "", false, false
	}
	name, opts, _ := strings.Cut(tag, ",")
	for opt := range strings.SplitSeq(opts, ",") {
		if opt == "inline" {
			return "", true, true
		}
	}
	if name == "" {
		name = strings.ToLower(f.Name)
	}
	return name, false, true
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
