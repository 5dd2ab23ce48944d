package query

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/operator"
	"github.com/tidegate/tidegate/analytics/parser"
	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/record"
	"github.com/tidegate/tidegate/analytics/schema"
	"github.com/tidegate/tidegate/analytics/value"
)

// TestDocContinuousExamples runs every continuous query of docs/sql.md's sql blocks (each
// CREATE QUERY, and each ad-hoc SELECT that runs in the operators) over generated records
// of its sources, to its end: the page's continuous examples cannot drift from the code.
// (analytics/batch runs the page's other ad-hoc queries, and the sh blocks run against a
// gateway.)
func TestDocContinuousExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/sql.md")
	if err != nil {
		t.Fatal(err)
	}
	cat := &schema.Map{Stored: func(string) bool { return true }}
	p := plan.New(cat)
	ran, emitted := 0, 0
	for i, m := range regexp.MustCompile("(?s)```sql\n(.*?)```").FindAllStringSubmatch(string(doc), -1) {
		script, err := parser.Parse(m[1])
		if err != nil {
			t.Fatalf("block %d: %v", i+1, err)
		}
		for _, st := range script {
			var pl plan.Plan
			switch n := st.(type) {
			case *ast.CreateQuery:
				pl, err = p.CreateQuery(n)
			case *ast.Select:
				pl, err = p.Select(n, plan.History)
				if q, ok := pl.(*plan.Query); err != nil || !ok || !NeedsOperators(q) {
					continue // the batch executor's, tested there
				}
				pl, err = p.Select(n, plan.Continuous)
			default:
				pl, err = p.Plan(st, plan.Continuous)
			}
			if err != nil {
				t.Errorf("block %d: %s: %v", i+1, st, err)
				continue
			}
			switch pl := pl.(type) {
			case *schema.Source:
				cat.Add(pl)
			case *plan.Query:
				n, err := runExample(pl, p.Limits)
				if err != nil {
					t.Errorf("block %d: %s: %v", i+1, st, err)
					continue
				}
				ran++
				emitted += n
			}
		}
	}
	if ran < 7 || emitted == 0 {
		t.Errorf("%d continuous examples ran, %d rows emitted", ran, emitted)
	}
}

// runExample pushes twenty generated records to each input of q read from a stream, in
// turn, then ends the input; tables from files get a few lines.
func runExample(q *plan.Query, limits plan.Limits) (int, error) {
	n := 0
	r, err := operator.New(q, operator.Options{Limits: limits, Sink: func(operator.Emitted) { n++ }, Open: func(path string) (io.ReadCloser, error) {
		for _, in := range q.Inputs {
			if in.Source.File == path {
				return io.NopCloser(strings.NewReader(sampleFile(in.Source))), nil
			}
		}
		return nil, errors.New("no such file")
	}})
	if err != nil {
		return 0, err
	}
	for i := range 20 {
		for k, in := range q.Inputs {
			if in.Source.File != "" {
				continue
			}
			data := sampleRecord(in.Source, i)
			meta := record.Meta{Arrival: time.Date(2026, 11, 27, 8, i, k, 0, time.UTC), Key: fmt.Sprintf("kitchen-%d", i%3)}
			if err := r.Push(k, []byte(data), meta); err != nil && !errors.Is(err, operator.ErrLimit) {
				return n, err
			}
		}
	}
	r.Flush()
	return n, nil
}

// sampleRecord is the i-th generated record of a source: a value of each declared column's
// type, or for a schemaless stream the members the page's examples use.
func sampleRecord(src *schema.Source, i int) string {
	var fields []string
	if src.IsSchemaless() {
		fields = append(fields, fmt.Sprintf(`"device":"kitchen-%d","temp":%d.5,"hum":40,"door":"front","open":%v,"ts":"2026-11-27T08:%02d:00Z","zone":"z%d","line":"l1","part":"p%d","payload":{"env":{"temp":21}},"event":{"time":%d}`,
			i%3, 15+i, i%2 == 0, i, i%2, i%4, 1795766400+i*60))
	}
	for _, c := range src.Columns {
		fields = append(fields, fmt.Sprintf("%q:%s", c.Name, sampleValue(c.Type, i)))
	}
	if src.Format == schema.CSV {
		var texts []string
		for _, c := range src.Columns {
			texts = append(texts, strings.Trim(sampleValue(c.Type, i), `"`))
		}
		return strings.Join(texts, string(src.Delimiter))
	}
	return "{" + strings.Join(fields, ",") + "}"
}

func sampleValue(t value.Type, i int) string {
	switch t {
	case value.TypeString:
		return fmt.Sprintf(`"kitchen-%d"`, i%3)
	case value.TypeDouble:
		return fmt.Sprintf("%d.25", 10+i)
	case value.TypeInt:
		return fmt.Sprint(i % 5)
	case value.TypeBool:
		return fmt.Sprint(i%3 == 0)
	case value.TypeTimestamp:
		return fmt.Sprintf(`"2026-11-27T08:%02d:%02dZ"`, i, i*7%60)
	}
	return `{"env":{"pressure":1013,"temp":20},"label":"x","samples":[1,2]}`
}

// sampleFile is a table's file: a header line when it has one, then three rows.
func sampleFile(src *schema.Source) string {
	var b strings.Builder
	if src.Format == schema.CSV && (src.Header || src.IsSchemaless()) {
		b.WriteString(strings.Join(src.ColumnNames(), string(src.Delimiter)) + "\n")
	}
	for i := range 3 {
		b.WriteString(sampleRecord(src, i) + "\n")
	}
	return b.String()
}
