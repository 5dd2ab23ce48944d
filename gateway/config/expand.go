package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// Environment references in string values: the docs and the sample file keep secrets
// out of the file with `access_key: ${COLLECTOR_KEY}`, so the file itself must say
// what a setting reads from the environment, and a variable it needs that is unset is
// an error at that setting rather than the literal text sent to a receiver.
//
//	${NAME}            the variable's value; an error when it is unset
//	${NAME:-default}   the value, or default when the variable is unset or empty
//	$${                a literal ${ (any other $ is taken as written)
//
// Only string values are expanded (not keys, numbers or booleans), once: a value that
// contains ${ after expansion is not expanded again.

// errUnsetVar is wrapped by the error for a variable that is not set.
var errUnsetVar = errors.New("is not set")

// expandVars expands the references in s, looking variables up with lookup.
func expandVars(s string, lookup func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		if i > 0 && s[i-1] == '$' { // $${: a literal ${
			b.WriteString(s[:i-1])
			b.WriteString("${")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		ref := s[i+2:]
		end := strings.IndexByte(ref, '}')
		if end < 0 {
			return "", fmt.Errorf("%q: ${ without a closing } (write $${ for a literal ${)", s[i:])
		}
		name, def, hasDef := strings.Cut(ref[:end], ":-")
		if !validVarName(name) {
			return "", fmt.Errorf("%q: %q is not a variable name (letters, digits and _, not starting with a digit; write $${ for a literal ${)", "${"+ref[:end]+"}", name)
		}
		v, ok := lookup(name)
		switch {
		case hasDef && v == "":
			v = def
		case !ok:
			return "", fmt.Errorf("environment variable %s %w (set it, or give a default: ${%s:-default})", name, errUnsetVar, name)
		}
		b.WriteString(v)
		s = ref[end+1:]
	}
}

func validVarName(name string) bool {
	if name == "" || (name[0] >= '0' && name[0] <= '9') {
		return false
	}
	for _, r := range name {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// environLookup looks variables up in os.Environ()-shaped pairs; a later pair wins. An
// empty value is set (and empty), unlike for the TIDEGATE_* overrides.
func environLookup(environ []string) func(string) (string, bool) {
	env := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

// expandTree expands the references in every string value under n; an error names the
// value's position and setting. With lookup nil (configuration that did not come from
// the operator's file, such as a delivery posted over the API), a reference is refused
// instead, so that a request cannot read the gateway's environment.
func expandTree(n ast.Node, lookup func(string) (string, bool), depth int) error {
	if depth > maxTreeDepth || n == nil {
		return nil
	}
	switch v := n.(type) {
	case *ast.StringNode:
		return expandNode(v, v, lookup)
	case *ast.LiteralNode:
		if v.Value != nil {
			return expandNode(v, v.Value, lookup)
		}
	case *ast.MappingNode:
		for _, kv := range v.Values {
			if err := expandTree(kv.Value, lookup, depth+1); err != nil {
				return err
			}
		}
	case *ast.MappingValueNode:
		return expandTree(v.Value, lookup, depth+1)
	case *ast.SequenceNode:
		for _, item := range v.Values {
			if err := expandTree(item, lookup, depth+1); err != nil {
				return err
			}
		}
	case *ast.AnchorNode:
		return expandTree(v.Value, lookup, depth+1)
	case *ast.TagNode:
		return expandTree(v.Value, lookup, depth+1)
	}
	return nil
}

// expandNode expands s in place; at is the node errors point at.
func expandNode(at ast.Node, s *ast.StringNode, lookup func(string) (string, bool)) error {
	if !strings.Contains(s.Value, "${") {
		return nil
	}
	asked := false
	find := lookup
	if find == nil {
		find = func(string) (string, bool) { asked = true; return "", true }
	}
	v, err := expandVars(s.Value, find)
	if err != nil {
		return nodeError(at, err.Error())
	}
	if asked {
		return nodeError(at, "environment variables (${…}) are expanded only in the configuration file, not here (write $${ for a literal ${)")
	}
	s.Value = v
	return nil
}
