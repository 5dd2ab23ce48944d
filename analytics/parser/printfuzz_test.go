package parser

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tidegate/tidegate/analytics/ast"
)

// treeGen builds an expression tree from fuzz bytes: every node kind, in shapes the parser
// would only build from parentheses (a - (b - c), -(-5), (NOT a) = b) or never (a binary
// node whose right side binds as loosely as itself).
type treeGen struct{ b []byte }

func (g *treeGen) byte() byte {
	if len(g.b) == 0 {
		return 0
	}
	c := g.b[0]
	g.b = g.b[1:]
	return c
}

func (g *treeGen) int64() int64 {
	var v uint64
	for range 8 {
		v = v<<8 | uint64(g.byte())
	}
	return int64(v)
}

// text is up to max bytes of the input, made valid UTF-8.
func (g *treeGen) text(max int) string {
	n := int(g.byte()) % (max + 1)
	n = min(n, len(g.b))
	s := strings.ToValidUTF8(string(g.b[:n]), "?")
	g.b = g.b[n:]
	return s
}

// name is a non-empty valid UTF-8 name, plain or needing quotes.
func (g *treeGen) name() string {
	words := []string{"a", "temp", "from", "rows", "timestamp", "since", "escape", "my col", `q"q`, "É", "2x", "select"}
	n := words[int(g.byte())%len(words)]
	if g.byte()%2 == 0 {
		n += g.text(3)
	}
	if n == "" {
		return "a"
	}
	return n
}

func (g *treeGen) expr(depth int) ast.Expr {
	if depth <= 0 {
		return g.leaf()
	}
	d := depth - 1
	switch g.byte() % 16 {
	case 0, 1:
		return g.leaf()
	case 2:
		return &ast.Binary{Op: ast.BinaryOp(1 + g.byte()%14), L: g.expr(d), R: g.expr(d)}
	case 3:
		return &ast.Unary{Op: ast.UnaryOp(1 + g.byte()%2), X: g.expr(d)}
	case 4:
		return &ast.IsNull{X: g.expr(d), Not: g.byte()%2 == 0}
	case 5:
		list := []ast.Expr{g.expr(d)}
		for g.byte()%2 == 0 && len(list) < 4 {
			list = append(list, g.expr(d))
		}
		return &ast.In{X: g.expr(d), Not: g.byte()%2 == 0, List: list}
	case 6:
		return &ast.Between{X: g.expr(d), Not: g.byte()%2 == 0, Lo: g.expr(d), Hi: g.expr(d)}
	case 7:
		l := &ast.Like{X: g.expr(d), Not: g.byte()%2 == 0, Pattern: g.expr(d)}
		if g.byte()%2 == 0 {
			l.Escape = g.expr(d)
		}
		return l
	case 8:
		c := &ast.Case{}
		if g.byte()%2 == 0 {
			c.Operand = g.expr(d)
		}
		for len(c.Whens) == 0 || g.byte()%2 == 0 && len(c.Whens) < 3 {
			c.Whens = append(c.Whens, &ast.When{Cond: g.expr(d), Result: g.expr(d)})
		}
		if g.byte()%2 == 0 {
			c.Else = g.expr(d)
		}
		return c
	case 9:
		return &ast.Cast{X: g.expr(d), Type: ast.Type(1 + g.byte()%6)}
	case 10:
		names := []string{"F", "COUNT", "LEFT", "TIMESTAMP", "MY FN", "ROWS"}
		c := &ast.Call{Name: names[int(g.byte())%len(names)]}
		switch g.byte() % 3 {
		case 0:
			c.Star = true
		case 1:
			c.Distinct = true
			fallthrough
		default:
			for len(c.Args) == 0 || g.byte()%2 == 0 && len(c.Args) < 3 {
				c.Args = append(c.Args, g.expr(d))
			}
		}
		return c
	case 11, 12:
		return &ast.Dot{X: g.expr(d), Name: &ast.Ident{Name: g.name()}}
	case 13:
		return &ast.Index{X: g.expr(d), Index: g.expr(d)}
	}
	return g.leaf()
}

func (g *treeGen) leaf() ast.Expr {
	switch g.byte() % 9 {
	case 0:
		return &ast.IntegerLit{Value: g.int64()}
	case 1:
		f := math.Float64frombits(uint64(g.int64()))
		if math.IsInf(f, 0) || math.IsNaN(f) {
			f = 0.5
		}
		return &ast.FloatLit{Value: f}
	case 2:
		return &ast.StringLit{Value: g.text(5)}
	case 3:
		return &ast.BoolLit{Value: g.byte()%2 == 0}
	case 4:
		return &ast.NullLit{}
	case 5:
		return &ast.TimestampLit{Text: "2026-11-27T08:30:00Z"}
	case 6:
		unit := ast.IntervalUnit(g.byte() % 6)
		if unit == ast.NoUnit {
			return &ast.Interval{Text: "1h30m", Duration: 90 * time.Minute}
		}
		d, _ := ast.ParseInterval("7", unit)
		return &ast.Interval{Text: "7", Unit: unit, Duration: d}
	}
	return &ast.Ident{Name: g.name()}
}

// checkPrintParse requires that e print to text that parses back to e.
func checkPrintParse(t *testing.T, e ast.Expr) {
	t.Helper()
	printed := e.String()
	if !utf8.ValidString(printed) {
		t.Fatalf("printed invalid UTF-8: %q", printed)
	}
	back, err := ParseExpr(printed)
	if err != nil {
		t.Fatalf("%s: %v", printed, err)
	}
	if !sameTree(e, back) {
		t.Fatalf("%s parses back as %s:\nwant %s\ngot  %s", printed, back, sexpr(e), sexpr(back))
	}
}

// The same check on trees from a seeded random source, so that plain go test runs it over
// many shapes; a failure names its seed.
func TestPrintParseRandom(t *testing.T) {
	parens := 0
	for seed := range uint64(5000) {
		r := rand.New(rand.NewPCG(seed, 1))
		data := make([]byte, 256)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		e := (&treeGen{b: data}).expr(6)
		if strings.Contains(e.String(), "(") {
			parens++
		}
		t.Run(fmt.Sprint(seed), func(t *testing.T) { checkPrintParse(t, e) })
	}
	if parens < 1000 {
		t.Errorf("only %d of 5000 trees printed with parentheses: the generator builds too few shapes", parens)
	}
}

// FuzzPrintParse: a tree the printer writes parses back to the same tree, whatever its shape.
func FuzzPrintParse(f *testing.F) {
	for _, s := range []string{"", "\x02\x02\x03\x01", "\x03\x00\x00\x00", "\x0b\x0b\x00", "\x06\x02\x01\x05\x04"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkPrintParse(t, (&treeGen{b: data}).expr(6))
	})
}
