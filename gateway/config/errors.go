package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// Error is one configuration problem, located where its value came from: a position in
// the file, or an environment variable. Load, Parse and Validate return an *Error, or
// several joined with errors.Join; errors.As finds the first.
type Error struct {
	File   string // the configuration file, when the value came from one
	Line   int    // 1-based position of the value in File; 0 when unknown
	Column int
	Env    string // the environment variable the value came from, if it did
	Path   string // the setting, as in "streams[1].retention"; "" for YAML syntax errors
	Msg    string // the problem, naming the setting
}

// Error formats the problem as "file:line:col: msg", "VARIABLE: msg" or "msg", so that
// editors and terminals can jump to the line.
func (e *Error) Error() string {
	switch {
	case e.Env != "":
		return e.Env + ": " + e.Msg
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	case e.File != "":
		return e.File + ": " + e.Msg
	}
	return e.Msg
}

type position struct{ line, column int }

// origins remembers where each setting came from. Paths are YAML paths without the
// leading "$.": "log.level", "streams[1].retention".
type origins struct {
	file   string
	pos    map[string]position // path → its value in the file
	env    map[string]string   // path → the variable that set it, overriding the file
	byNode map[position]string // key or value position → path, to name decoder errors
	// keyParent maps a key's position to the path of the mapping holding it, to say
	// where an unknown key is (the key itself may hold dots or brackets).
	keyParent map[position]string
	keys      map[string][]keyAt   // mapping path → its keys in file order
	sqlAt     map[string]sqlOrigin // queries[i].sql → where its SQL starts
}

type keyAt struct {
	name string
	pos  position
}

func newOrigins(file string) *origins {
	return &origins{
		file:      file,
		pos:       map[string]position{},
		env:       map[string]string{},
		byNode:    map[position]string{},
		keyParent: map[position]string{},
		keys:      map[string][]keyAt{},
		sqlAt:     map[string]sqlOrigin{},
	}
}

// fromEnv records that variable set path (and everything under it).
func (o *origins) fromEnv(path, variable string) {
	o.env[path] = variable
}

// errorf returns an error about path, located at path or, when path itself has no
// recorded origin (a default, or a key left out), at its nearest ancestor that has one.
// A nil receiver (a Config built in Go) locates nothing.
func (o *origins) errorf(path, format string, args ...any) *Error {
	e := &Error{Path: path, Msg: path + ": " + fmt.Sprintf(format, args...)}
	if o == nil {
		return e
	}
	for p := path; p != ""; p = parentPath(p) {
		if v, ok := o.env[p]; ok {
			e.Env = v
			return e
		}
		if pos, ok := o.pos[p]; ok {
			e.File, e.Line, e.Column = o.file, pos.line, pos.column
			return e
		}
	}
	return e
}

// parentPath strips the last element of a path: "streams[1].name" → "streams[1]" →
// "streams" → "".
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// nodePath is the path of a YAML node in our notation.
func nodePath(n ast.Node) string {
	return strings.TrimPrefix(strings.TrimPrefix(n.GetPath(), "$"), ".")
}

// nodeError reports a bad value at its node; Parse fills in the file name.
func nodeError(n ast.Node, msg string) *Error {
	e := &Error{Path: nodePath(n), Msg: msg}
	if e.Path != "" {
		e.Msg = e.Path + ": " + msg
	}
	if tk := n.GetToken(); tk != nil {
		e.Line, e.Column = tk.Position.Line, tk.Position.Column
	}
	return e
}

// scalarText returns the text of a scalar node; want describes the expected value for the
// error when the node is a mapping or a list.
func scalarText(n ast.Node, want string) (string, error) {
	for {
		switch v := n.(type) {
		case nil:
			return "", nil
		case *ast.TagNode:
			n = v.Value
			continue
		case *ast.AnchorNode:
			n = v.Value
			continue
		case *ast.StringNode:
			return v.Value, nil
		case *ast.LiteralNode:
			return v.Value.Value, nil
		case ast.ScalarNode:
			return v.GetToken().Value, nil
		}
		return "", nodeError(n, fmt.Sprintf("expected %s, got %s", want, nodeTypeName(n.Type())))
	}
}

// describeNode names a value for an error: its text if a scalar, else its kind.
func describeNode(n ast.Node) string {
	if _, ok := n.(ast.ScalarNode); ok && n.GetToken() != nil {
		return fmt.Sprintf("%q", n.GetToken().Value)
	}
	return nodeTypeName(n.Type())
}

// nodeTypeName names a kind of YAML value in the words of the sample file.
func nodeTypeName(t ast.NodeType) string {
	switch t {
	case ast.MappingType:
		return "a mapping"
	case ast.SequenceType:
		return "a list"
	}
	return "a " + t.YAMLName()
}

// sortErrors orders problems as a reader fixes them: down the file, then those from the
// environment, then the rest, each group in the order found.
func sortErrors(errs []error) []error {
	rank := func(err error) (group, line, column int) {
		e, ok := err.(*Error)
		switch {
		case !ok:
			return 3, 0, 0
		case e.Env != "":
			return 1, 0, 0
		case e.Line > 0:
			return 0, e.Line, e.Column
		}
		return 2, 0, 0
	}
	slices.SortStableFunc(errs, func(a, b error) int {
		ga, la, ca := rank(a)
		gb, lb, cb := rank(b)
		return cmp.Or(cmp.Compare(ga, gb), cmp.Compare(la, lb), cmp.Compare(ca, cb))
	})
	return errs
}
