package ast

import "github.com/tidegate/tidegate/analytics/lexer"

// Select is a SELECT: an ad-hoc query as a statement, or the body of a CREATE QUERY.
//
// The window of a GROUP BY is kept apart from the grouping keys: GroupBy holds the keys,
// Window the one window (nil when none); the printer writes the window after the keys.
type Select struct {
	At       lexer.Pos
	Items    []*SelectItem // non-empty
	From     Source
	Where    Expr // nil when absent
	GroupBy  []Expr
	Window   Window
	Having   Expr
	OrderBy  []*OrderItem
	Limit    *IntegerLit // nil when absent; never negative
	Emit     *Emit       // nil: the planner's default policy
	LateInto *Ident      // EMIT LATE INTO: the stream late rows go to; CREATE QUERY only
}

// SelectItem is one entry of a select list: an expression (a *Star for * or t.*) and its
// alias, nil when none was written.
type SelectItem struct {
	Expr  Expr
	Alias *Ident
}

// SourceRef names a stream or table in FROM or JOIN. Since, for a stream, starts the read at
// that time in its retained history (a backfill) instead of at its end; its position is
// that of the quoted time.
type SourceRef struct {
	At    lexer.Pos
	Name  *Ident
	Alias *Ident
	Since *TimestampLit
}

// JoinKind is the kind of a join.
type JoinKind uint8

// The joins: INNER (also written plain JOIN) and LEFT [OUTER].
const (
	InnerJoin JoinKind = iota + 1
	LeftJoin
)

// Join is Left [LEFT] JOIN Right ON On. Joins nest to the left: a JOIN b JOIN c is
// Join{Left: Join{a, b}, Right: c}. Whether Right is a table (a lookup) or a stream (which
// needs a time bound in On, see Between) is for the planner to decide.
type Join struct {
	At    lexer.Pos // the JOIN, or the INNER or LEFT before it
	Kind  JoinKind
	Left  Source
	Right *SourceRef
	On    Expr
}

// OrderItem is one key of ORDER BY.
type OrderItem struct {
	Expr Expr
	Desc bool
}

// EmitPolicy is when a windowed query writes its results.
type EmitPolicy uint8

// The policies.
const (
	EmitOnWindowClose EmitPolicy = iota + 1 // once per window, when the watermark passes its end
	EmitEvery                               // early results every Emit.Every, then the final one
	EmitOnUpdate                            // a row each time a group's result changes
)

// Emit is an EMIT clause: ON WINDOW CLOSE, EVERY <interval> (Every set) or ON UPDATE.
type Emit struct {
	At     lexer.Pos
	Policy EmitPolicy
	Every  *Interval
}

// TumbleWindow is TUMBLE([Time,] Size): fixed windows, back to back.
//
// In every window, Time is the expression giving each row's time, usually a TIMESTAMP
// column; nil means the source's own time (its declared event-time column, else the arrival
// time).
type TumbleWindow struct {
	At   lexer.Pos
	Time Expr
	Size *Interval
}

// HopWindow is HOP([Time,] Size, Slide): windows of Size starting every Slide (they overlap
// when Slide < Size). Size comes first, as in ksqlDB and Azure Stream Analytics; Flink's
// HOP takes the slide first.
type HopWindow struct {
	At          lexer.Pos
	Time        Expr
	Size, Slide *Interval
}

// SlideWindow is SLIDE([Time,] Range) or SLIDE([Time,] ROWS n): for every row, the window
// that ends at it and reaches back Range in time, or over the last Rows rows. Exactly one
// of Range and Rows is set.
type SlideWindow struct {
	At    lexer.Pos
	Time  Expr
	Range *Interval
	Rows  *IntegerLit
}

// SessionWindow is SESSION([Time,] Gap[, MaxLength]): a window per burst of rows, closed
// after Gap without one, and cut at MaxLength when set.
type SessionWindow struct {
	At        lexer.Pos
	Time      Expr
	Gap       *Interval
	MaxLength *Interval
}

// CountWindow is COUNTWINDOW(Size[, Slide]): windows of Size rows, starting every Slide rows
// (nil: every Size rows, back to back).
type CountWindow struct {
	At    lexer.Pos
	Size  *IntegerLit
	Slide *IntegerLit
}

func (*Select) statementNode() {}
func (*SourceRef) sourceNode() {}
func (*Join) sourceNode()      {}

func (*TumbleWindow) windowNode()  {}
func (*HopWindow) windowNode()     {}
func (*SlideWindow) windowNode()   {}
func (*SessionWindow) windowNode() {}
func (*CountWindow) windowNode()   {}

func (n *Select) Pos() lexer.Pos        { return n.At }
func (n *SelectItem) Pos() lexer.Pos    { return n.Expr.Pos() }
func (n *SourceRef) Pos() lexer.Pos     { return n.At }
func (n *Join) Pos() lexer.Pos          { return n.At }
func (n *OrderItem) Pos() lexer.Pos     { return n.Expr.Pos() }
func (n *Emit) Pos() lexer.Pos          { return n.At }
func (n *TumbleWindow) Pos() lexer.Pos  { return n.At }
func (n *HopWindow) Pos() lexer.Pos     { return n.At }
func (n *SlideWindow) Pos() lexer.Pos   { return n.At }
func (n *SessionWindow) Pos() lexer.Pos { return n.At }
func (n *CountWindow) Pos() lexer.Pos   { return n.At }
