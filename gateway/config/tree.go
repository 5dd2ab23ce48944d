package config

import (
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// Walks over the parsed document, run before it is decoded.

// maxTreeDepth bounds the walks. The schema is five levels deep and the decoder stops at
// the first level that does not fit it, so nothing below matters; the bound only keeps
// hostile input from recursing without end.
const maxTreeDepth = 16

// stripTags replaces each tagged value by the value itself. The schema gives every
// setting its type, so a standard tag (!!map, !!int, ...) adds nothing, except !!str on
// a scalar, which is honoured (`account_id: !!str 000000000000` keeps its zeros). A
// custom tag means nothing here and is refused. No tag reaches the decoder: go-yaml
// v1.19.2 panics on a tagged scalar where a list or mapping is expected
// (goccy/go-yaml#735, fixed upstream after that release).
func stripTags(n ast.Node, depth int) (ast.Node, error) {
	if depth > maxTreeDepth {
		return n, nil
	}
	var err error
	switch v := n.(type) {
	case *ast.TagNode:
		var tag string
		if v.Start != nil {
			tag = v.Start.Value
		}
		if !strings.HasPrefix(tag, "!!") && !strings.HasPrefix(tag, "!<tag:yaml.org,2002:") {
			return nil, nodeError(v, fmt.Sprintf("tag %s is not supported: settings take plain YAML values", tag))
		}
		inner := v.Value
		if inner == nil {
			return ast.Null(v.Start), nil
		}
		_, scalar := inner.(ast.ScalarNode)
		if isStrTag(tag) && scalar && inner.Type() != ast.NullType {
			s := ast.String(inner.GetToken())
			s.SetPath(inner.GetPath())
			return s, nil
		}
		return stripTags(inner, depth+1)
	case *ast.MappingNode:
		for _, kv := range v.Values {
			if kv.Value, err = stripTags(kv.Value, depth+1); err != nil {
				return nil, err
			}
		}
	case *ast.SequenceNode:
		for i := range v.Values {
			if v.Values[i], err = stripTags(v.Values[i], depth+1); err != nil {
				return nil, err
			}
		}
	case *ast.AnchorNode:
		if v.Value, err = stripTags(v.Value, depth+1); err != nil {
			return nil, err
		}
	}
	return n, nil
}

func isStrTag(tag string) bool { return tag == "!!str" || tag == "!<tag:yaml.org,2002:str>" }

// index records the position of every setting under n.
func (o *origins) index(n ast.Node, depth int) {
	if depth > maxTreeDepth {
		return
	}
	switch v := n.(type) {
	case *ast.MappingNode:
		path := nodePath(v)
		for _, kv := range v.Values {
			o.keyParent[tokenPos(kv.Key)] = path
			if tk := kv.Key.GetToken(); tk != nil {
				o.keys[path] = append(o.keys[path], keyAt{tk.Value, tokenPos(kv.Key)})
			}
			o.index(kv, depth+1)
		}
	case *ast.MappingValueNode:
		if v.Value == nil {
			return
		}
		path := nodePath(v)
		o.byNode[tokenPos(v.Key)] = path
		o.byNode[tokenPos(v.Value)] = path
		switch v.Value.Type() {
		case ast.MappingType, ast.SequenceType:
			o.pos[path] = tokenPos(v.Key) // the line that opens the section
		default:
			o.pos[path] = tokenPos(v.Value)
		}
		o.index(v.Value, depth+1)
	case *ast.SequenceNode:
		for i, item := range v.Values {
			if item == nil {
				continue
			}
			path := nodePath(item)
			o.pos[path] = startPos(item)
			if len(v.Entries) == len(v.Values) && v.Entries[i] != nil && v.Entries[i].Start != nil {
				o.pos[path] = tokenPos(v.Entries[i]) // the "-" that opens the entry
			}
			o.byNode[tokenPos(item)] = path
			o.index(item, depth+1)
		}
	case *ast.AnchorNode:
		o.index(v.Value, depth+1)
	}
}

// pruneNulls removes the keys under n whose value is null, and turns null list entries
// into empty mappings.
func pruneNulls(n ast.Node, depth int) {
	if depth > maxTreeDepth {
		return
	}
	switch v := n.(type) {
	case *ast.MappingNode:
		kept := v.Values[:0]
		for _, kv := range v.Values {
			if kv.Value != nil && kv.Value.Type() != ast.NullType {
				kept = append(kept, kv)
				pruneNulls(kv.Value, depth+1)
			}
		}
		v.Values = kept
	case *ast.SequenceNode:
		for i, item := range v.Values {
			if item == nil || item.Type() == ast.NullType {
				// An empty entry ("-" alone) is an entry with every key left out.
				v.Values[i] = ast.Mapping(item.GetToken(), true)
				continue
			}
			pruneNulls(item, depth+1)
		}
	case *ast.AnchorNode:
		pruneNulls(v.Value, depth+1)
	}
}

func tokenPos(n ast.Node) position {
	if n == nil || n.GetToken() == nil {
		return position{}
	}
	p := n.GetToken().Position
	return position{p.Line, p.Column}
}

// startPos is where a node begins: a block mapping's token is its first colon, so use
// its first key instead.
func startPos(n ast.Node) position {
	if m, ok := n.(*ast.MappingNode); ok && !m.IsFlowStyle && len(m.Values) > 0 {
		return tokenPos(m.Values[0].Key)
	}
	return tokenPos(n)
}
