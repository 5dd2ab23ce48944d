package plan

import (
	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/lexer"
)

// unbounded refuses a continuous query that groups without a window.
func (b *builder) unbounded(grouped bool) error {
	q, sel := b.q, b.sel
	if grouped && q.Window == nil && q.Mode == Continuous {
		at := sel.At
		if len(sel.GroupBy) > 0 {
			at = sel.GroupBy[0].Pos()
		} else {
			for _, n := range b.afterGrouping() {
				if c := calls(n, b.isAggregate); len(c) > 0 {
					at = c[0].At
					break
				}
			}
		}
		return errorf(at, "a continuous query grouping %s without a window would keep its groups forever: add a window, as in GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE) (an ad-hoc SELECT over history may group without one)",
			lexer.QuoteIdent(q.Inputs[0].Name))
	}
	return nil
}

// emit checks the EMIT clauses and the state they imply, and sets the emit policy.
func (b *builder) emit() error {
	q, sel := b.q, b.sel
	w := q.Window
	if w != nil && w.Kind != Count && q.Time == nil {
		return errorf(w.Node.Pos(), "%s needs a time, and %s is a table without one", w.Kind, lexer.QuoteIdent(q.Inputs[0].Name))
	}
	if e := sel.Emit; e != nil {
		if w == nil {
			return errorf(e.At, "EMIT fits a query with a window; without one, each result row is written as it comes")
		}
		switch {
		case w.Kind == Slide && e.Policy != ast.EmitOnUpdate:
			return errorf(e.At, "SLIDE gives a result for each row as it comes: write EMIT ON UPDATE, or no EMIT")
		case e.Policy == ast.EmitEvery && w.Kind == Count:
			return errorf(e.At, "COUNTWINDOW closes after a number of rows, not at a time: EMIT EVERY does not fit it")
		case e.Policy == ast.EmitEvery && e.Every.Duration <= 0:
			return errorf(e.Every.At, "EMIT EVERY needs an interval longer than 0")
		case e.Policy == ast.EmitEvery && (w.Kind == Tumble || w.Kind == Hop) && e.Every.Duration >= w.Size:
			return errorf(e.Every.At, "EMIT EVERY %s is not shorter than the window (%s): no early result would ever be written", e.Every.Duration, w.Size)
		}
		q.Emit = Emit{Policy: e.Policy}
		if e.Every != nil {
			q.Emit.Every = e.Every.Duration
		}
	} else if w != nil {
		q.Emit = Emit{Policy: ast.EmitOnWindowClose}
		if w.Kind == Slide {
			q.Emit.Policy = ast.EmitOnUpdate
		}
	}
	if err := b.windowOrder(); err != nil {
		return err
	}
	if sel.LateInto != nil {
		q.LateInto = sel.LateInto.Name
		switch {
		case w == nil || w.Kind == Count || (w.Kind == Slide && w.Rows > 0):
			return errorf(sel.LateInto.At, "EMIT LATE INTO needs a window over time: only then can a row be late")
		case !q.EventTime:
			return errorf(sel.LateInto.At, "EMIT LATE INTO needs an event time: %s runs on arrival time, where no row is late (declare timestamp = '…' or give the window a time column)",
				lexer.QuoteIdent(q.Inputs[0].Name))
		}
		for _, in := range q.Inputs {
			if in.Source.Stream == q.LateInto || in.Source.Name == q.LateInto {
				return errorf(sel.LateInto.At, "late rows of %s would go back into it", lexer.QuoteIdent(q.LateInto))
			}
		}
	}
	return nil
}

// windowOrder refuses ORDER BY and LIMIT where a continuous query has no rows to order
// together: they order the results of one TUMBLE or HOP window, which all groups share and
// which close together; a SLIDE, SESSION or COUNTWINDOW window is each group's own, and with
// EMIT ON UPDATE each result is written alone, as it changes.
func (b *builder) windowOrder() error {
	q, sel := b.q, b.sel
	if q.Mode != Continuous || q.Window == nil || (len(sel.OrderBy) == 0 && sel.Limit == nil) {
		return nil
	}
	var at lexer.Pos
	what := "ORDER BY"
	if len(sel.OrderBy) > 0 {
		at = sel.OrderBy[0].Expr.Pos()
	} else {
		at, what = sel.Limit.At, "LIMIT"
	}
	switch {
	case q.Window.Kind != Tumble && q.Window.Kind != Hop:
		return errorf(at, "%s in a continuous query applies to the results of one TUMBLE or HOP window, which its groups share; a %s window is each group's own", what, q.Window.Kind)
	case q.Emit.Policy == ast.EmitOnUpdate:
		return errorf(at, "%s does not fit EMIT ON UPDATE, which writes each result alone as it changes", what)
	}
	return nil
}
