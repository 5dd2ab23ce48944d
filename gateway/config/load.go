package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/tidegate/tidegate/internal/typed"
)

// decodeOptions make the decoder strict: an unknown key is an error. The parser already
// refuses duplicate keys.
var decodeOptions = []yaml.DecodeOption{yaml.DisallowUnknownField()}

const decoderFailure = "the YAML decoder failed on this file"

// Load reads the configuration file at path; "" means no file, only defaults and the
// environment. environ is shaped like os.Environ(). See Parse.
func Load(path string, environ []string) (*Config, error) {
	if path == "" {
		return Parse("", nil, environ)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data, environ)
}

// Parse builds a configuration from defaults, then the YAML in data (filename names it
// in errors, ${NAME} references in its string values expanded from environ), then the
// TIDEGATE_* variables in environ, resolves the access keys'
// secrets and validates the result. A YAML error stops at the first problem; after
// decoding, every problem found is returned, joined. Each is an *Error.
func Parse(filename string, data []byte, environ []string) (*Config, error) {
	return parse(filename, data, environ, environLookup(environ))
}

// parse is Parse with the lookup for ${…} references in string values; nil refuses
// them.
func parse(filename string, data []byte, environ []string, lookup func(string) (string, bool)) (*Config, error) {
	c := Default()
	c.origins = newOrigins(filename)
	if err := c.decode(data, lookup); err != nil {
		return nil, c.origins.locate(err)
	}
	env := parseEnviron(environ)
	errs := c.applyEnv(env)
	errs = append(errs, c.resolveSecrets(env)...)
	errs = append(errs, c.validate()...)
	if len(errs) > 0 {
		return nil, errors.Join(sortErrors(errs)...)
	}
	return c, nil
}

// decode lays the document in data over c.
//
// A key with an empty (null) value counts as absent, so that `log:` with its keys
// commented out keeps the default log settings rather than zeroing them. Nulls are
// therefore pruned before decoding into c; but pruning would also hide an unknown key
// whose value is empty, so the unpruned document is first decoded into a scratch Config
// for the strictness checks alone.
func (c *Config) decode(data []byte, lookup func(string) (string, bool)) (err error) {
	defer func() {
		// go-yaml has had panics on malformed input (stripTags avoids the one known in
		// v1.19.2); a bad file must be an error, never a crash. FuzzParse flags this
		// message, so a new panic is still found and then handled before it gets here.
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: %v", decoderFailure, r)
		}
	}()
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return err
	}
	if len(file.Docs) == 0 || file.Docs[0].Body == nil {
		return nil
	}
	for _, doc := range file.Docs[1:] {
		if doc.Body != nil {
			return nodeError(doc.Body, "a configuration file holds one YAML document; remove the second")
		}
	}
	body, err := stripTags(file.Docs[0].Body, 0)
	if err != nil {
		return err
	}
	if err := expandTree(body, lookup, 0); err != nil {
		return err
	}
	c.origins.index(body, 0)
	c.origins.indexSQL(body, data)
	if err := yaml.NodeToValue(body, new(Config), decodeOptions...); err != nil {
		return err
	}
	pruneNulls(body, 0)
	return yaml.NodeToValue(body, c, decodeOptions...)
}

// UnmarshalYAML starts each stream from [DefaultStream], so that a key left out takes its
// default while a key given as 0 is still checked (and refused) by Validate. It also
// refuses a shard count that is not a whole number, which the decoder would truncate.
func (s *StreamSpec) UnmarshalYAML(node ast.Node) error {
	if m, ok := node.(*ast.MappingNode); ok {
		for _, kv := range m.Values {
			if kv.Key.GetToken().Value == "shards" && kv.Value != nil && kv.Value.Type() != ast.IntegerType && kv.Value.Type() != ast.NullType {
				return nodeError(kv.Value, "expected a whole number, got "+describeNode(kv.Value))
			}
		}
	}
	type plain StreamSpec // without this method, so decoding does not recurse
	*s = DefaultStream()
	return yaml.NodeToValue(node, (*plain)(s), decodeOptions...)
}

// locate turns a decoding error into an *Error with the file, position and setting, in
// our words rather than in terms of Go types.
func (o *origins) locate(err error) error {
	if e, ok := errors.AsType[*Error](err); ok {
		e.File = o.file
		return e
	}
	if e, ok := errors.AsType[*typed.Error](err); ok {
		return &Error{File: o.file, Line: e.Line, Column: e.Column, Path: e.Path, Msg: e.Msg}
	}
	ye, ok := errors.AsType[yaml.Error](err)
	if !ok || ye.GetToken() == nil {
		return &Error{File: o.file, Msg: oneLine.Replace(err.Error())}
	}
	tk := ye.GetToken()
	e := &Error{File: o.file, Line: tk.Position.Line, Column: tk.Position.Column}
	e.Path = o.byNode[position{e.Line, e.Column}]
	setting := e.Path
	if setting == "" {
		setting = "top level"
	}
	switch ye := ye.(type) {
	case *yaml.UnknownFieldError:
		parent := o.keyParent[position{e.Line, e.Column}]
		name := o.firstUnknownKey(parent, tk.Value, &e.Line, &e.Column)
		e.Path = o.byNode[position{e.Line, e.Column}]
		e.Msg = fmt.Sprintf("unknown field %q", name)
		if parent != "" {
			e.Msg += " in " + parent
		}
	case *yaml.TypeError:
		e.Msg = fmt.Sprintf("%s: expected %s, got %s", setting, kindName(ye.DstType), describeSource(ye.SrcType, tk.Value))
	case *yaml.OverflowError:
		e.Msg = fmt.Sprintf("%s: %s is out of range", setting, ye.SrcNum)
	case *yaml.UnexpectedNodeTypeError:
		got := fmt.Sprintf("%q", tk.Value)
		if ye.Actual == ast.MappingType || ye.Actual == ast.SequenceType {
			got = nodeTypeName(ye.Actual)
		}
		e.Msg = fmt.Sprintf("%s: expected %s, got %s", setting, nodeTypeName(ye.Expected), got)
	default: // syntax errors, whose messages are already about YAML
		e.Msg = oneLine.Replace(ye.GetMessage())
	}
	return e
}

// firstUnknownKey picks, of the unknown keys in the mapping at path, the first in the
// file, so that the error does not depend on the decoder's map iteration order. It
// falls back to the key the decoder reported, given as name at line:column.
func (o *origins) firstUnknownKey(path, name string, line, column *int) string {
	known := yamlKeysAt(path)
	if known == nil {
		return name
	}
	for _, k := range o.keys[path] {
		if !known[k.name] {
			*line, *column = k.pos.line, k.pos.column
			return k.name
		}
	}
	return name
}

// yamlKeysAt returns the keys of the struct that the mapping at path decodes into, or
// nil if path does not lead to one.
func yamlKeysAt(path string) map[string]bool {
	t := reflect.TypeFor[Config]()
	for part := range strings.SplitSeq(path, ".") {
		if part == "" {
			continue
		}
		name, _, _ := strings.Cut(part, "[")
		f, ok := fieldByYAMLKey(t, name)
		if !ok {
			return nil
		}
		t = f.Type
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		for range strings.Count(part, "[") { // one list level per index
			if t.Kind() != reflect.Slice {
				return nil
			}
			t = t.Elem()
		}
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	keys := make(map[string]bool)
	for f := range t.Fields() {
		if f.IsExported() {
			keys[yamlKey(f)] = true
		}
	}
	return keys
}

func fieldByYAMLKey(t reflect.Type, key string) (reflect.StructField, bool) {
	if t.Kind() != reflect.Struct {
		return reflect.StructField{}, false
	}
	for f := range t.Fields() {
		if f.IsExported() && yamlKey(f) == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func yamlKey(f reflect.StructField) string {
	key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return key
}

// oneLine escapes line breaks that a message quotes from the input, so that each problem
// stays on one line.
var oneLine = strings.NewReplacer("\n", `\n`, "\r", `\r`)

// kindName describes a Go type as a kind of YAML value.
func kindName(t reflect.Type) string {
	if t == nil {
		return "another kind of value"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return kindName(t.Elem())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.String:
		return "a string"
	case reflect.Struct, reflect.Map:
		return "a mapping"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Bool:
		return "true or false"
	}
	return "a " + t.Kind().String()
}

// describeSource names what the file had where a type error occurred.
func describeSource(t reflect.Type, text string) string {
	if t != nil {
		switch t.Kind() {
		case reflect.Map, reflect.Struct:
			return "a mapping"
		case reflect.Slice, reflect.Array:
			return "a list"
		}
	}
	return fmt.Sprintf("%q", text)
}
