package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/lexer"
	"github.com/tidegate/tidegate/analytics/schema"
	"github.com/tidegate/tidegate/analytics/value"
)

// inputScope resolves names against the query's inputs, giving each column read a slot of
// the input row as it is first met.
type inputScope struct {
	q *Query
	// only restricts resolution to one input (-1: all), for an input's own time column.
	only int
	// touched records which inputs the last compiled expression read.
	touched map[int]bool
	// stateful maps the canonical text of a stateful call to its slot.
	stateful map[string]*StatefulCall
}

func newInputScope(q *Query) *inputScope {
	return &inputScope{q: q, only: -1, touched: map[int]bool{}, stateful: map[string]*StatefulCall{}}
}

// slot returns the slot of column name of input i, adding it to the row if new.
func (s *inputScope) slot(i int, name string) int {
	in := s.q.Inputs[i]
	s.touched[i] = true
	for j, c := range in.Columns {
		if c == name {
			return in.Slots[j]
		}
	}
	slot := s.q.InputWidth
	s.q.InputWidth++
	in.Columns = append(in.Columns, name)
	in.Slots = append(in.Slots, slot)
	return slot
}

// columnType is the type of column name of input i; ok false when it has none.
func columnType(src *schema.Source, name string) (value.Type, bool) {
	if c, ok := schema.SystemColumn(name); ok && (src.HasSystemColumns() || name == schema.RecordColumn) {
		return c.Type, true
	}
	if src.IsSchemaless() {
		return value.TypeJSON, true
	}
	c, ok := src.Column(name)
	return c.Type, ok
}

// inputNamed finds the input a qualifier names.
func (s *inputScope) inputNamed(name string) int {
	for i, in := range s.q.Inputs {
		if (s.only < 0 || s.only == i) && in.Name == name {
			return i
		}
	}
	return -1
}

func (s *inputScope) Resolve(e ast.Expr) (int, value.Type, bool, error) {
	switch n := e.(type) {
	case *ast.Ident:
		return s.column(n)
	case *ast.Dot:
		q, ok := n.X.(*ast.Ident)
		if !ok {
			return 0, 0, false, nil
		}
		i := s.inputNamed(q.Name)
		if i < 0 {
			return 0, 0, false, nil
		}
		if len(s.q.Inputs) > 1 || !s.isColumn(q.Name) {
			return s.qualified(i, n.Name)
		}
	case *ast.Call:
		if c, ok := s.stateful[n.String()]; ok {
			return c.Slot, c.Type, true, nil
		}
	}
	return 0, 0, false, nil
}

// isColumn reports whether a bare name is a declared column of the single input (where it
// wins over the input's own name, a.b then reaching into that column).
func (s *inputScope) isColumn(name string) bool {
	src := s.q.Inputs[0].Source
	_, ok := src.Column(name)
	return ok
}

func (s *inputScope) qualified(i int, name *ast.Ident) (int, value.Type, bool, error) {
	src := s.q.Inputs[i].Source
	t, ok := columnType(src, name.Name)
	if !ok {
		return 0, 0, false, unknownColumn(name.At, name.Name, s.q.Inputs[i])
	}
	return s.slot(i, name.Name), t, true, nil
}

func (s *inputScope) column(n *ast.Ident) (int, value.Type, bool, error) {
	var declared, schemaless []int
	for i, in := range s.q.Inputs {
		if s.only >= 0 && i != s.only {
			continue
		}
		src := in.Source
		if _, ok := schema.SystemColumn(n.Name); ok {
			if _, has := columnType(src, n.Name); has {
				declared = append(declared, i)
			}
			continue
		}
		if src.IsSchemaless() {
			schemaless = append(schemaless, i)
		} else if _, ok := src.Column(n.Name); ok {
			declared = append(declared, i)
		}
	}
	candidates := declared
	if len(candidates) == 0 {
		candidates = schemaless
	}
	switch len(candidates) {
	case 1:
		i := candidates[0]
		t, _ := columnType(s.q.Inputs[i].Source, n.Name)
		return s.slot(i, n.Name), t, true, nil
	case 0:
		if n.Name == "window_start" || n.Name == "window_end" {
			return 0, 0, false, errorf(n.At, "%s is a column of windowed results: it needs a window in GROUP BY, and can be used only outside aggregates", n.Name)
		}
		in := s.q.Inputs[0]
		if s.only >= 0 {
			in = s.q.Inputs[s.only]
		}
		return 0, 0, false, unknownColumn(n.At, n.Name, in)
	}
	var names []string
	for _, i := range candidates {
		names = append(names, lexer.QuoteIdent(s.q.Inputs[i].Name)+"."+lexer.QuoteIdent(n.Name))
	}
	return 0, 0, false, errorf(n.At, "column %s is ambiguous: write %s", lexer.QuoteIdent(n.Name), strings.Join(names, " or "))
}

// unknownColumn says which columns there are, and the closest one.
func unknownColumn(at lexer.Pos, name string, in *Input) error {
	src := in.Source
	msg := fmt.Sprintf("unknown column %s in %s %s", lexer.QuoteIdent(name), strings.ToLower(src.Kind.String()), lexer.QuoteIdent(src.Name))
	cols := src.ColumnNames()
	if best := closest(name, cols); best != "" {
		return errorf(at, "%s (did you mean %s?)", msg, lexer.QuoteIdent(best))
	}
	sort.Strings(cols)
	return errorf(at, "%s (its columns: %s)", msg, strings.Join(cols, ", "))
}

// closest is the name among names nearest to name by edit distance, "" when none is near.
func closest(name string, names []string) string {
	best, bestDist := "", max(1, len(name)/3)+1
	for _, n := range names {
		if d := editDistance(strings.ToLower(name), strings.ToLower(n)); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// groupScope resolves names in the stages after grouping: group keys, aggregates and the
// window's bounds are slots of the group row; any other column is an error.
type groupScope struct {
	keys   map[string]int // canonical text of a key → slot
	keyTyp []value.Type
	aggs   map[string]int
	aggTyp map[string]value.Type
	group  *Group
	input  *inputScope
}

func (s *groupScope) Resolve(e ast.Expr) (int, value.Type, bool, error) {
	text := e.String()
	if slot, ok := s.keys[text]; ok {
		return slot, s.keyTyp[slot], true, nil
	}
	if slot, ok := s.aggs[text]; ok {
		return slot, s.aggTyp[text], true, nil
	}
	switch n := e.(type) {
	case *ast.Ident:
		if s.group.WindowStart >= 0 && (n.Name == "window_start" || n.Name == "window_end") {
			slot := s.group.WindowStart
			if n.Name == "window_end" {
				slot = s.group.WindowEnd
			}
			return slot, value.TypeTimestamp, true, nil
		}
		return 0, 0, false, s.notGrouped(e)
	case *ast.Dot:
		if q, ok := n.X.(*ast.Ident); ok && s.input.inputNamed(q.Name) >= 0 {
			return 0, 0, false, s.notGrouped(e)
		}
	case *ast.Call:
		if _, ok := s.input.stateful[n.String()]; ok {
			return 0, 0, false, errorf(n.At, "%s is computed per row: in a grouped query it must appear in GROUP BY or inside an aggregate", n)
		}
	}
	return 0, 0, false, nil
}

// notGrouped reports a column used outside GROUP BY and aggregates — after checking it is
// a column at all.
func (s *groupScope) notGrouped(e ast.Expr) error {
	if _, _, _, err := s.input.Resolve(e); err != nil {
		return err
	}
	return errorf(e.Pos(), "column %s must appear in GROUP BY or be used in an aggregate function", e)
}
