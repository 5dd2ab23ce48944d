package typed

import (
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// pathOf is a node's path in gateway/config's notation: "deliveries[0].to",
// without go-yaml's leading "$.".
func pathOf(n ast.Node) string {
	return strings.TrimPrefix(strings.TrimPrefix(n.GetPath(), "$"), ".")
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func keyName(kv *ast.MappingValueNode) string {
	if kv.Key == nil || kv.Key.GetToken() == nil {
		return ""
	}
	return kv.Key.GetToken().Value
}

// scalar returns the text of a scalar node.
func scalar(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case ast.ScalarNode:
		if tk := v.GetToken(); tk != nil {
			return tk.Value, true
		}
	}
	return "", false
}

// describe names a value for an error: its text if a scalar, else its kind.
func describe(n ast.Node) string {
	if s, ok := scalar(n); ok {
		return fmt.Sprintf("%q", s)
	}
	switch n.Type() {
	case ast.MappingType:
		return "a mapping"
	case ast.SequenceType:
		return "a list"
	}
	return "a " + n.Type().YAMLName()
}

// errorAt returns an *Error at n's position about path; msg follows the path.
func errorAt(n ast.Node, path, format string, args ...any) *Error {
	e := &Error{Path: path, Msg: fmt.Sprintf(format, args...)}
	if path != "" {
		e.Msg = path + ": " + e.Msg
	}
	// A block mapping's token is its first colon: point at its first key.
	if m, ok := n.(*ast.MappingNode); ok && !m.IsFlowStyle && len(m.Values) > 0 {
		n = m.Values[0].Key
	}
	if tk := n.GetToken(); tk != nil {
		e.Line, e.Column = tk.Position.Line, tk.Position.Column
	}
	return e
}
