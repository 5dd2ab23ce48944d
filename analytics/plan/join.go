package plan

import (
	"time"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/eval"
	"github.com/tidegate/tidegate/analytics/lexer"
	"github.com/tidegate/tidegate/analytics/schema"
)

// conjuncts splits a condition at its top-level ANDs.
func conjuncts(e ast.Expr) []ast.Expr {
	if b, ok := e.(*ast.Binary); ok && b.Op == ast.OpAnd {
		return append(conjuncts(b.L), conjuncts(b.R)...)
	}
	return []ast.Expr{e}
}

// compileTouching compiles e and reports which inputs it reads.
func (b *builder) compileTouching(e ast.Expr) (*eval.Expr, map[int]bool, error) {
	b.scope.touched = map[int]bool{}
	x, err := b.in.Compile(e)
	return x, b.scope.touched, err
}

// join plans one JOIN: which conjuncts of ON are keys, which the time bound, which the
// residual.
func (b *builder) join(n *ast.Join) error {
	q := b.q
	right := len(q.Joins) + 1
	src := q.Inputs[right].Source
	j := &Join{Kind: n.Kind, Right: right, Lookup: src.Kind == schema.Table}
	if err := b.noAggregates(n.On, "ON", ""); err != nil {
		return err
	}
	if _, err := b.condition(b.in, n.On, "ON"); err != nil {
		return err
	}
	var residual []ast.Expr
	var timeBounds []ast.Expr
	for _, c := range conjuncts(n.On) {
		if bin, ok := c.(*ast.Binary); ok && bin.Op == ast.OpEq {
			l, lt, err := b.compileTouching(bin.L)
			if err != nil {
				return err
			}
			r, rt, err := b.compileTouching(bin.R)
			if err != nil {
				return err
			}
			if onlyLeft(rt, right) && lt[right] && len(lt) == 1 {
				l, r = r, l
			} else if !(onlyLeft(lt, right) && rt[right] && len(rt) == 1) {
				l = nil
			}
			isKey := l != nil && (!j.Lookup || len(j.RightKeys) == 0 && r.Slot() >= 0 && r.Slot() == b.columnSlot(right, src.Key))
			if isKey {
				j.LeftKeys, j.RightKeys = append(j.LeftKeys, l), append(j.RightKeys, r)
				continue
			}
		}
		if !j.Lookup && b.isTimeBound(c, right) {
			timeBounds = append(timeBounds, c)
			continue
		}
		residual = append(residual, c)
	}
	if j.Lookup {
		if err := b.lookupKey(n, j, src); err != nil {
			return err
		}
	} else if err := b.timeBound(n, j, timeBounds); err != nil {
		return err
	}
	if len(residual) > 0 {
		e := residual[0]
		for _, r := range residual[1:] {
			e = &ast.Binary{At: r.Pos(), Op: ast.OpAnd, L: e, R: r}
		}
		x, err := b.condition(b.in, e, "ON")
		if err != nil {
			return err
		}
		j.Residual = x
	}
	q.Joins = append(q.Joins, j)
	return nil
}

func onlyLeft(touched map[int]bool, right int) bool {
	if len(touched) == 0 {
		return false
	}
	for i := range touched {
		if i >= right {
			return false
		}
	}
	return true
}

// lookupKey requires an equality between the left side and the table's key.
func (b *builder) lookupKey(n *ast.Join, j *Join, src *schema.Source) error {
	if len(j.RightKeys) == 1 {
		return nil
	}
	return errorf(n.On.Pos(), "a join with table %s looks rows up by its key: ON needs … = %s.%s", lexer.QuoteIdent(src.Name),
		lexer.QuoteIdent(b.q.Inputs[j.Right].Name), lexer.QuoteIdent(src.Key))
}

// columnSlot is the slot of a column of input i, -1 when not read.
func (b *builder) columnSlot(i int, name string) int {
	in := b.q.Inputs[i]
	for k, c := range in.Columns {
		if c == name {
			return in.Slots[k]
		}
	}
	return -1
}

// timeOf recognises an input's time, optionally ± an interval literal: it returns the
// input and the offset.
func (b *builder) timeOf(e ast.Expr, times map[int]int) (int, time.Duration, bool) {
	offset := time.Duration(0)
	if bin, ok := e.(*ast.Binary); ok && (bin.Op == ast.OpAdd || bin.Op == ast.OpSub) {
		iv, ok := bin.R.(*ast.Interval)
		if !ok {
			return 0, 0, false
		}
		offset = iv.Duration
		if bin.Op == ast.OpSub {
			offset = -offset
		}
		e = bin.L
	}
	x, touched, err := b.compileTouching(e)
	if err != nil || x.Slot() < 0 || len(touched) != 1 {
		return 0, 0, false
	}
	for i, slot := range times {
		if slot == x.Slot() {
			return i, offset, true
		}
	}
	return 0, 0, false
}

// timeSlots are the slots of each stream input's time column (only plain columns take part
// in a time bound).
func (b *builder) timeSlots() map[int]int {
	out := map[int]int{}
	for i := range b.q.Inputs {
		if t, err := b.inputTime(i); err == nil && t != nil && t.Slot() >= 0 {
			out[i] = t.Slot()
		}
	}
	return out
}

// bound is one recognised comparison: time(a) − time(b) op offset.
type bound struct {
	a, b   int
	op     ast.BinaryOp
	offset time.Duration
}

// timeComparisons reads c as comparisons between two inputs' times.
func (b *builder) timeComparisons(c ast.Expr, right int) []bound {
	times := b.timeSlots()
	pair := func(x, y ast.Expr, op ast.BinaryOp) (bound, bool) {
		i, ox, ok1 := b.timeOf(x, times)
		k, oy, ok2 := b.timeOf(y, times)
		if !ok1 || !ok2 || i == k || (i != right && k != right) {
			return bound{}, false
		}
		// time_i + ox op time_k + oy  ⇔  time_i − time_k op oy − ox
		return bound{i, k, op, oy - ox}, true
	}
	switch n := c.(type) {
	case *ast.Binary:
		switch n.Op {
		case ast.OpLt, ast.OpLe, ast.OpGt, ast.OpGe:
			if bd, ok := pair(n.L, n.R, n.Op); ok {
				return []bound{bd}
			}
		}
	case *ast.Between:
		if n.Not {
			return nil
		}
		lo, ok1 := pair(n.X, n.Lo, ast.OpGe)
		hi, ok2 := pair(n.X, n.Hi, ast.OpLe)
		if ok1 && ok2 {
			return []bound{lo, hi}
		}
	}
	return nil
}

func (b *builder) isTimeBound(c ast.Expr, right int) bool {
	return len(b.timeComparisons(c, right)) > 0
}

// timeBound requires a lower and an upper bound on right time − left time.
func (b *builder) timeBound(n *ast.Join, j *Join, conds []ast.Expr) error {
	lower, upper := time.Duration(0), time.Duration(0)
	hasLower, hasUpper := false, false
	for _, c := range conds {
		for _, bd := range b.timeComparisons(c, j.Right) {
			op, off := bd.op, bd.offset
			if bd.a != j.Right { // left − right op off  ⇔  right − left flip(op) −off
				op, off = flipCompare(op), -off
			}
			switch op {
			case ast.OpGe, ast.OpGt:
				if !hasLower || off > lower {
					lower, hasLower = off, true
				}
			case ast.OpLe, ast.OpLt:
				if !hasUpper || off < upper {
					upper, hasUpper = off, true
				}
			}
		}
	}
	right := b.q.Inputs[j.Right]
	if !hasLower || !hasUpper {
		return errorf(n.At, "a join of two streams needs a time bound in ON, so that its state stays finite: as in %s.ts BETWEEN %s.ts - INTERVAL '1' MINUTE AND %s.ts + INTERVAL '1' MINUTE",
			lexer.QuoteIdent(right.Name), lexer.QuoteIdent(b.q.Inputs[0].Name), lexer.QuoteIdent(b.q.Inputs[0].Name))
	}
	if lower > upper {
		return errorf(conds[0].Pos(), "the time bound of this join is empty: %s − %s must be at least %s and at most %s", right.Name, b.q.Inputs[0].Name, lower, upper)
	}
	j.Lower, j.Upper = lower, upper
	var err error
	if j.LeftTime, err = b.inputTime(0); err != nil {
		return err
	}
	j.RightTime, err = b.inputTime(j.Right)
	return err
}

func flipCompare(op ast.BinaryOp) ast.BinaryOp {
	switch op {
	case ast.OpLt:
		return ast.OpGt
	case ast.OpLe:
		return ast.OpGe
	case ast.OpGt:
		return ast.OpLt
	case ast.OpGe:
		return ast.OpLe
	}
	return op
}
