package typed

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// Section is a YAML mapping whose `type:` key picks the type whose
// configuration the other keys decode into, strictly: a key the type does
// not take is an error at that key, naming it and listing the keys the type
// takes, so that a misspelling inside a destination is not reported at its
// `type:` line.
type Section struct {
	// Kind names the section's plug-ins in errors: "destination", "decoder".
	Kind string
	// Types lists the type names, for errors (a Registry's Names).
	Types []string
	// NewConfig returns a new configuration of the named type — a pointer to
	// the struct its keys decode into — or false for an unknown name.
	NewConfig func(name string) (any, bool)
	// Common, when not nil, points to a struct that takes the keys every type
	// of the section shares (a sensor's name, stream and interval); those keys
	// decode into it rather than into the type's configuration. It receives
	// the type key too when it has a field for it.
	Common any
	// TypeKey is the key that picks the type ("type" if empty). TypeOf, when
	// not nil, maps that key's value to a type name, for a section whose
	// selector is a value rather than a name: a camera's `source:` is a URL
	// whose scheme picks the type. Types then lists the accepted forms.
	TypeKey string
	TypeOf  func(value string) (string, bool)
}

func (s Section) typeKey() string {
	if s.TypeKey == "" {
		return "type"
	}
	return s.TypeKey
}

// Error is a problem with a section's shape, at its position in the
// document.
type Error struct {
	Line, Column int
	// Path is the setting, as in "deliveries[0].to.type".
	Path string
	// Msg is the problem, starting with the setting.
	Msg string
}

func (e *Error) Error() string { return e.Msg }

// strict makes the decoder refuse unknown keys.
var strict = []yaml.DecodeOption{yaml.DisallowUnknownField()}

// Decode decodes node, a mapping, and returns its type's name and
// configuration. Problems with the section's shape — not a mapping, no type
// or an unknown one, a key the type does not take — are an *Error; a bad value
// is the YAML decoder's error, which carries its own position.
func (s Section) Decode(node ast.Node) (string, any, error) {
	m, ok := node.(*ast.MappingNode)
	if !ok {
		return "", nil, errorAt(node, pathOf(node), "expected a mapping with a type (%s), got %s", strings.Join(s.Types, ", "), describe(node))
	}
	path := pathOf(m)
	tk := s.typeKey()
	var common map[string]bool
	if s.Common != nil {
		common = keysOf(reflect.TypeOf(s.Common))
	}
	var typeNode ast.Node
	own, shared := *m, *m
	own.Values, shared.Values = nil, nil
	for _, kv := range m.Values {
		switch key := keyName(kv); {
		case key == tk:
			typeNode = kv.Value
			if common[tk] {
				shared.Values = append(shared.Values, kv)
			}
		case common[key]:
			shared.Values = append(shared.Values, kv)
		default:
			own.Values = append(own.Values, kv)
		}
	}
	if typeNode == nil || typeNode.Type() == ast.NullType {
		return "", nil, errorAt(m, path, "needs a %s: one of %s", tk, strings.Join(s.Types, ", "))
	}
	name, ok := scalar(typeNode)
	if !ok {
		what := "type name"
		if s.TypeKey != "" {
			what = s.TypeKey
		}
		return "", nil, errorAt(typeNode, join(path, tk), "expected a %s (%s), got %s", what, strings.Join(s.Types, ", "), describe(typeNode))
	}
	value := name
	if s.TypeOf != nil {
		if name, ok = s.TypeOf(value); !ok {
			return "", nil, errorAt(typeNode, join(path, tk), "%q is not one of %s", value, strings.Join(s.Types, ", "))
		}
	}
	cfg, ok := s.NewConfig(name)
	if !ok {
		return "", nil, errorAt(typeNode, join(path, tk), "%q is not one of %s", value, strings.Join(s.Types, ", "))
	}
	if s.Common != nil {
		if err := yaml.NodeToValue(&shared, s.Common, strict...); err != nil {
			return "", nil, s.explain(err, m, name, reflect.TypeOf(s.Common), common)
		}
	}
	if err := yaml.NodeToValue(&own, cfg, strict...); err != nil {
		return "", nil, s.explain(err, m, name, reflect.TypeOf(cfg), common)
	}
	return name, cfg, nil
}

// explain turns the decoder's unknown-field error into one that points at the
// first unknown key of its mapping, in file order (the decoder reports one
// in map order), and lists the keys the mapping takes. Other errors pass.
func (s Section) explain(err error, root *ast.MappingNode, typeName string, t reflect.Type, common map[string]bool) error {
	ue, ok := errors.AsType[*yaml.UnknownFieldError](err)
	if !ok || ue.GetToken() == nil {
		return err
	}
	tk := s.typeKey()
	at := ue.GetToken().Position
	m, mt := findMapping(root, t, at, 0)
	if m == nil {
		return err
	}
	takes := keysOf(mt)
	there := ""
	if m == root {
		for k := range common {
			takes[k] = true
		}
		delete(takes, tk)
	} else {
		there = " there"
	}
	for _, kv := range m.Values {
		if key := keyName(kv); !takes[key] && !(m == root && key == tk) {
			where := ""
			if p := pathOf(m); p != "" {
				where = " in " + p
			}
			list := strings.Join(sortedKeys(takes), ", ")
			if list == "" {
				list = "no other key"
			}
			e := errorAt(kv.Key, join(pathOf(m), key), "")
			e.Msg = fmt.Sprintf("unknown field %q%s: %s type %s takes %s%s", key, where, s.Kind, typeName, list, there)
			return e
		}
	}
	return err
}

// findMapping returns the mapping under n holding a key at position at, and
// the Go type it decodes into (t for n), following struct fields, list items
// and map values.
func findMapping(n ast.Node, t reflect.Type, at *token.Position, depth int) (*ast.MappingNode, reflect.Type) {
	if t == nil || depth > maxDepth {
		return nil, nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch v := n.(type) {
	case *ast.MappingNode:
		for _, kv := range v.Values {
			if p := kv.Key.GetToken().Position; p.Line == at.Line && p.Column == at.Column {
				return v, t
			}
		}
		for _, kv := range v.Values {
			var ft reflect.Type
			switch t.Kind() {
			case reflect.Struct:
				ft = fieldType(t, keyName(kv))
			case reflect.Map:
				ft = t.Elem()
			}
			if m, mt := findMapping(kv.Value, ft, at, depth+1); m != nil {
				return m, mt
			}
		}
	case *ast.SequenceNode:
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return nil, nil
		}
		for _, item := range v.Values {
			if m, mt := findMapping(item, t.Elem(), at, depth+1); m != nil {
				return m, mt
			}
		}
	case *ast.AnchorNode:
		return findMapping(v.Value, t, at, depth+1)
	}
	return nil, nil
}

// maxDepth bounds findMapping on hostile input; configurations are a few
// levels deep.
const maxDepth = 16
