package batch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/analytics/aggregate"
	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/function"
	"github.com/tidegate/tidegate/analytics/parser"
	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/record"
	"github.com/tidegate/tidegate/analytics/schema"
	"github.com/tidegate/tidegate/analytics/value"
)

func docBlocks(t *testing.T) (string, []string) {
	t.Helper()
	doc, err := os.ReadFile("../../docs/sql.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```sql\n(.*?)```").FindAllStringSubmatch(string(doc), -1) {
		blocks = append(blocks, m[1])
	}
	return string(doc), blocks
}

// sampleRecords makes a few records for a source: values of each declared column's type,
// or for a schemaless stream the members the page's examples use.
func sampleRecords(src *schema.Source) *sliceRecords {
	out := &sliceRecords{}
	for i := range 20 {
		var fields []string
		if src.IsSchemaless() {
			fields = append(fields, fmt.Sprintf(`"device":"kitchen-%d","temp":%d.5,"hum":40,"door":"front","open":%v,"ts":"2026-11-27T08:%02d:00Z","zone":"z%d","line":"l1","part":"p%d","payload":{"env":{"temp":21}},"event":{"time":%d}`,
				i%3, 15+i, i%2 == 0, i, i%2, i%4, 1795766400+i*60))
		}
		for _, c := range src.Columns {
			var v string
			switch c.Type {
			case value.TypeString:
				v = fmt.Sprintf(`"kitchen-%d"`, i%3)
			case value.TypeDouble:
				v = fmt.Sprintf("%d.25", 10+i)
			case value.TypeInt:
				v = fmt.Sprint(i % 5)
			case value.TypeBool:
				v = fmt.Sprint(i%3 == 0)
			case value.TypeTimestamp:
				v = fmt.Sprintf(`"2026-11-27T08:%02d:%02dZ"`, i, i*7%60)
			default:
				v = `{"env":{"pressure":1013,"temp":20},"label":"x","samples":[1,2],"max temp":30,"from":"a"}`
			}
			fields = append(fields, fmt.Sprintf("%q:%s", c.Name, v))
		}
		if src.Format == schema.CSV {
			if i == 0 && src.Header {
				out.data = append(out.data, []byte(strings.Join(src.ColumnNames(), string(src.Delimiter))))
				out.meta = append(out.meta, record.Meta{})
			}
			var texts []string
			for _, f := range fields {
				v := f[strings.IndexByte(f, ':')+1:]
				texts = append(texts, strings.Trim(v, `"`))
			}
			out.data = append(out.data, []byte(strings.Join(texts, string(src.Delimiter))))
		} else {
			out.data = append(out.data, []byte("{"+strings.Join(fields, ",")+"}"))
		}
		out.meta = append(out.meta, record.Meta{Arrival: time.Date(2026, 11, 27, 8, i, 0, 0, time.UTC), Key: fmt.Sprint(i % 3)})
	}
	return out
}

// TestDocExamples: every sql block of docs/sql.md plans (CREATE STREAM and CREATE TABLE
// declare what the later blocks read; a SELECT is planned as an ad-hoc query, CREATE QUERY
// as a continuous one), and every ad-hoc SELECT runs, unless it needs the continuous
// operators.
func TestDocExamples(t *testing.T) {
	_, blocks := docBlocks(t)
	cat := &schema.Map{Stored: func(string) bool { return true }}
	p := plan.New(cat)
	ran := 0
	for i, b := range blocks {
		script, err := parser.Parse(b)
		if err != nil {
			t.Fatalf("block %d: %v", i+1, err)
		}
		for _, st := range script {
			mode := plan.History
			if _, ok := st.(*ast.CreateQuery); ok {
				mode = plan.Continuous
			}
			pl, err := p.Plan(st, mode)
			if err != nil {
				var pe *plan.Error
				if errors.As(err, &pe) {
					t.Errorf("block %d: %v\n%s", i+1, err, pe.Pos.Excerpt(b))
				} else {
					t.Errorf("block %d: %v", i+1, err)
				}
				continue
			}
			switch pl := pl.(type) {
			case *schema.Source:
				cat.Add(pl)
			case *plan.Query:
				if pl.Mode != plan.History {
					continue
				}
				var inputs []Records
				for _, in := range pl.Inputs {
					inputs = append(inputs, sampleRecords(in.Source))
				}
				_, err := Run(context.Background(), pl, p.Limits, inputs, time.Now(), func(value.Row) error { return nil })
				switch {
				case errors.Is(err, ErrUnsupported):
				case err != nil:
					t.Errorf("block %d: %s: %v", i+1, st, err)
				default:
					ran++
				}
			}
		}
	}
	if ran < 10 {
		t.Errorf("only %d ad-hoc examples ran", ran)
	}
}

// Every function and aggregate is documented on the page.
func TestDocListsFunctions(t *testing.T) {
	doc, _ := docBlocks(t)
	var names []string
	names = append(names, function.Builtins().Names()...)
	names = append(names, aggregate.Builtins().Names()...)
	names = append(names, "LAG", "LATEST", "CHANGED", "ANOMALY_SCORE")
	for _, n := range names {
		if !strings.Contains(doc, "`"+n+"(") && !strings.Contains(doc, "`"+n+"`") {
			t.Errorf("docs/sql.md does not document %s", n)
		}
	}
}
