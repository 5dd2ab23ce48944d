package plan

import (
	"time"

	"github.com/tidegate/tidegate/analytics/ast"
)

// WindowKind is the kind of a window.
type WindowKind uint8

// The windows.
const (
	Tumble WindowKind = iota + 1
	Hop
	Slide
	Session
	Count
)

// String is the window's name in SQL.
func (k WindowKind) String() string {
	switch k {
	case Tumble:
		return "TUMBLE"
	case Hop:
		return "HOP"
	case Slide:
		return "SLIDE"
	case Session:
		return "SESSION"
	}
	return "COUNTWINDOW"
}

// Window is a query's window, its sizes checked.
type Window struct {
	Kind WindowKind
	// Size: TUMBLE's and HOP's size, SLIDE's range. Slide: HOP's slide.
	Size, Slide time.Duration
	// Gap and MaxLength: SESSION's (MaxLength 0: none).
	Gap, MaxLength time.Duration
	// Rows: SLIDE ROWS n, COUNTWINDOW's size; SlideRows: COUNTWINDOW's slide.
	Rows, SlideRows int64
	Node            ast.Window
}

// Assign appends to dst the starts of the TUMBLE or HOP windows that contain time ts (Unix
// nanoseconds), earliest first. Windows are aligned to the Unix epoch: a one-hour window
// starts on the hour (UTC). The window starting at s covers [s, s + Size). It allocates
// nothing when dst has room: the operators call it for every row.
func (w *Window) Assign(ts int64, dst []int64) []int64 {
	size := int64(w.Size)
	slide := size
	if w.Kind == Hop {
		slide = int64(w.Slide)
	}
	last := floorDiv(ts, slide) * slide // the latest window that starts at or before ts
	// The starts are last − i·slide for the i ≥ 0 with last − i·slide > ts − size.
	n := (last - ts + size + slide - 1) / slide
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, last-i*slide)
	}
	return dst
}

// End is the end of the TUMBLE or HOP window starting at start (exclusive).
func (w *Window) End(start int64) int64 { return start + int64(w.Size) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// openWindows is how many windows of one group may be open at once with lateness l: the
// factor by which a group's state multiplies.
func (w *Window) openWindows(l time.Duration) int64 {
	switch w.Kind {
	case Tumble:
		return 1 + ceilDiv(int64(l), int64(w.Size))
	case Hop:
		return ceilDiv(int64(w.Size), int64(w.Slide)) + ceilDiv(int64(l), int64(w.Slide))
	case Count:
		slide := w.SlideRows
		if slide == 0 {
			slide = w.Rows
		}
		return ceilDiv(w.Rows, slide)
	}
	return 1
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// checkWindow reads a window's sizes and refuses those that make no sense.
func checkWindow(n ast.Window) (*Window, error) {
	positive := func(iv *ast.Interval, what string) error {
		if iv.Duration <= 0 {
			return errorf(iv.At, "%s must be longer than 0", what)
		}
		return nil
	}
	w := &Window{Node: n}
	switch n := n.(type) {
	case *ast.TumbleWindow:
		w.Kind, w.Size = Tumble, n.Size.Duration
		return w, positive(n.Size, "the size of TUMBLE")
	case *ast.HopWindow:
		w.Kind, w.Size, w.Slide = Hop, n.Size.Duration, n.Slide.Duration
		if err := positive(n.Size, "the size of HOP"); err != nil {
			return nil, err
		}
		if err := positive(n.Slide, "the slide of HOP"); err != nil {
			return nil, err
		}
		if w.Slide > w.Size {
			return nil, errorf(n.Slide.At, "the slide of HOP (%s) is longer than its size (%s): rows between windows would belong to none; use TUMBLE for back-to-back windows", w.Slide, w.Size)
		}
		return w, nil
	case *ast.SlideWindow:
		w.Kind = Slide
		if n.Rows != nil {
			if n.Rows.Value <= 0 {
				return nil, errorf(n.Rows.At, "SLIDE over ROWS needs at least 1 row")
			}
			w.Rows = n.Rows.Value
			return w, nil
		}
		w.Size = n.Range.Duration
		return w, positive(n.Range, "the range of SLIDE")
	case *ast.SessionWindow:
		w.Kind, w.Gap = Session, n.Gap.Duration
		if err := positive(n.Gap, "the gap of SESSION"); err != nil {
			return nil, err
		}
		if n.MaxLength != nil {
			w.MaxLength = n.MaxLength.Duration
			if w.MaxLength < w.Gap {
				return nil, errorf(n.MaxLength.At, "the maximum length of SESSION (%s) is shorter than its gap (%s)", w.MaxLength, w.Gap)
			}
		}
		return w, nil
	case *ast.CountWindow:
		w.Kind, w.Rows = Count, n.Size.Value
		if w.Rows <= 0 {
			return nil, errorf(n.Size.At, "COUNTWINDOW needs at least 1 row")
		}
		if n.Slide != nil {
			w.SlideRows = n.Slide.Value
			if w.SlideRows <= 0 {
				return nil, errorf(n.Slide.At, "the slide of COUNTWINDOW must be at least 1 row")
			}
			if w.SlideRows > w.Rows {
				return nil, errorf(n.Slide.At, "the slide of COUNTWINDOW (%d rows) is more than its size (%d rows)", w.SlideRows, w.Rows)
			}
		}
		return w, nil
	}
	return nil, errorf(n.Pos(), "unknown window")
}

// windowTime is the window's own time expression, nil when not written.
func windowTime(n ast.Window) ast.Expr {
	switch n := n.(type) {
	case *ast.TumbleWindow:
		return n.Time
	case *ast.HopWindow:
		return n.Time
	case *ast.SlideWindow:
		return n.Time
	case *ast.SessionWindow:
		return n.Time
	}
	return nil
}
