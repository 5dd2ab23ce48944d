package plan

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/lexer"
	"github.com/tidegate/tidegate/analytics/parser"
	"github.com/tidegate/tidegate/analytics/schema"
	"github.com/tidegate/tidegate/analytics/value"
)

// The options of CREATE STREAM and CREATE TABLE.
func streamOptions() []string {
	return []string{"source", "format", "timestamp", "lateness", "idle_timeout", "delimiter"}
}

func tableOptions() []string {
	return []string{"file", "source", "format", "key", "delimiter", "header", "max_keys"}
}

// DefineStream checks a CREATE STREAM and returns the stream it declares.
func (p *Planner) DefineStream(n *ast.CreateStream) (*schema.Source, error) {
	src := &schema.Source{Name: n.Name.Name, Kind: schema.Stream, Stream: n.Name.Name, Format: schema.JSON, Delimiter: ','}
	if err := declareColumns(src, n.Columns); err != nil {
		return nil, err
	}
	opts := map[string]*ast.Option{}
	for _, o := range n.Options {
		if err := knownOption(o, "CREATE STREAM", streamOptions()); err != nil {
			return nil, err
		}
		opts[o.Name.Name] = o
	}
	if err := commonOptions(src, opts); err != nil {
		return nil, err
	}
	if o := opts["source"]; o != nil {
		s, err := stringOption(o)
		if err != nil {
			return nil, err
		}
		src.Stream = s
	}
	if o := opts["timestamp"]; o != nil {
		if err := timestampOption(src, o); err != nil {
			return nil, err
		}
	}
	for _, d := range []struct {
		name  string
		field *time.Duration
	}{{"lateness", &src.Lateness}, {"idle_timeout", &src.IdleTimeout}} {
		name, field := d.name, d.field
		if o := opts[name]; o != nil {
			d, err := durationOption(o)
			if err != nil {
				return nil, err
			}
			if name == "idle_timeout" && d == 0 {
				return nil, errorf(o.Value.Pos(), "idle_timeout must be longer than 0 (leave it out for none)")
			}
			*field = d
		}
	}
	if src.Format == schema.CSV && src.IsSchemaless() {
		return nil, errorf(n.At, "a CSV stream needs its columns declared: CREATE STREAM %s (name type, …) WITH (format = 'csv')", lexer.QuoteIdent(src.Name))
	}
	return src, nil
}

// DefineTable checks a CREATE TABLE and returns the table it declares.
func (p *Planner) DefineTable(n *ast.CreateTable) (*schema.Source, error) {
	src := &schema.Source{Name: n.Name.Name, Kind: schema.Table, Format: schema.JSON, Delimiter: ','}
	if err := declareColumns(src, n.Columns); err != nil {
		return nil, err
	}
	opts := map[string]*ast.Option{}
	for _, o := range n.Options {
		if err := knownOption(o, "CREATE TABLE", tableOptions()); err != nil {
			return nil, err
		}
		opts[o.Name.Name] = o
	}
	file, source := opts["file"], opts["source"]
	switch {
	case file != nil && source != nil:
		return nil, errorf(source.Name.At, "a table is loaded from a file or kept from a stream, not both: give file or source")
	case file == nil && source == nil:
		return nil, errorf(n.At, "a table needs file = '…' (a CSV or JSON file) or source = '…' (the latest row per key of a stream)")
	case file != nil:
		f, err := stringOption(file)
		if err != nil {
			return nil, err
		}
		src.File = f
		if strings.EqualFold(filepath.Ext(f), ".csv") {
			src.Format, src.Header = schema.CSV, true
		}
	default:
		s, err := stringOption(source)
		if err != nil {
			return nil, err
		}
		src.Stream, src.MaxKeys = s, p.Limits.MaxKeys
	}
	if err := commonOptions(src, opts); err != nil {
		return nil, err
	}
	if o := opts["header"]; o != nil {
		b, ok := o.Value.(*ast.BoolLit)
		if !ok || src.Format != schema.CSV || src.File == "" {
			return nil, errorf(o.Value.Pos(), "header is TRUE or FALSE, for a CSV file")
		}
		src.Header = b.Value
	}
	if o := opts["max_keys"]; o != nil {
		k, ok := o.Value.(*ast.IntegerLit)
		if !ok || k.Value < 1 || src.Stream == "" {
			return nil, errorf(o.Value.Pos(), "max_keys is a whole number of keys, at least 1, for a table kept from a stream")
		}
		src.MaxKeys = int(k.Value)
	}
	key := opts["key"]
	if key == nil {
		return nil, errorf(n.At, "a table needs key = '…', the column it is looked up by")
	}
	k, err := stringOption(key)
	if err != nil {
		return nil, err
	}
	if !src.IsSchemaless() {
		if _, ok := src.Column(k); !ok {
			return nil, errorf(key.Value.Pos(), "key %s is not a declared column of table %s", lexer.QuoteIdent(k), lexer.QuoteIdent(src.Name))
		}
	}
	src.Key = k
	if src.Format == schema.CSV && src.IsSchemaless() && !src.Header {
		return nil, errorf(n.At, "a CSV table without a header line needs its columns declared")
	}
	return src, nil
}

func declareColumns(src *schema.Source, cols []*ast.ColumnDef) error {
	if cols == nil {
		return nil
	}
	src.Columns = []schema.Column{}
	for _, c := range cols {
		if strings.HasPrefix(c.Name.Name, "_") {
			return errorf(c.Name.At, "column %s: names starting with _ are kept for system columns (_arrival, _key, _seq, _shard, _record)", lexer.QuoteIdent(c.Name.Name))
		}
		src.Columns = append(src.Columns, schema.Column{Name: c.Name.Name, Type: value.FromAST(c.Type)})
	}
	return nil
}

func knownOption(o *ast.Option, stmt string, known []string) error {
	for _, k := range known {
		if o.Name.Name == k {
			return nil
		}
	}
	msg := fmt.Sprintf("unknown option %s for %s", o.Name.Name, stmt)
	if best := closest(o.Name.Name, known); best != "" {
		return errorf(o.Name.At, "%s (did you mean %s?)", msg, best)
	}
	return errorf(o.Name.At, "%s (it takes %s)", msg, strings.Join(known, ", "))
}

// commonOptions reads format and delimiter.
func commonOptions(src *schema.Source, opts map[string]*ast.Option) error {
	if o := opts["format"]; o != nil {
		f, err := stringOption(o)
		if err != nil {
			return err
		}
		switch strings.ToLower(f) {
		case "json":
			src.Format = schema.JSON
		case "csv":
			src.Format, src.Header = schema.CSV, src.File != ""
		default:
			return errorf(o.Value.Pos(), "format is 'json' or 'csv', not '%s'", f)
		}
	}
	if o := opts["delimiter"]; o != nil {
		d, err := stringOption(o)
		if err != nil {
			return err
		}
		if len(d) != 1 || d == "\"" || d == "\n" || d == "\r" {
			return errorf(o.Value.Pos(), "delimiter is one character (not a quote or a line break), as in delimiter = ';'")
		}
		if src.Format != schema.CSV {
			return errorf(o.Name.At, "delimiter is for format = 'csv'")
		}
		src.Delimiter = d[0]
	}
	return nil
}

func stringOption(o *ast.Option) (string, error) {
	s, ok := o.Value.(*ast.StringLit)
	if !ok || s.Value == "" {
		return "", errorf(o.Value.Pos(), "option %s takes a non-empty string in single quotes", o.Name.Name)
	}
	return s.Value, nil
}

// durationOption reads a duration: '5s' or an INTERVAL.
func durationOption(o *ast.Option) (time.Duration, error) {
	switch v := o.Value.(type) {
	case *ast.Interval:
		return v.Duration, nil
	case *ast.StringLit:
		d, err := ast.ParseInterval(v.Value, ast.NoUnit)
		if err != nil {
			return 0, errorf(v.At, "option %s: %v", o.Name.Name, err)
		}
		return d, nil
	}
	return 0, errorf(o.Value.Pos(), "option %s takes a duration, as in '5s' or INTERVAL '5' SECOND", o.Name.Name)
}

// timestampOption reads the event-time column: a column, or a path into a JSON column.
func timestampOption(src *schema.Source, o *ast.Option) error {
	s, err := stringOption(o)
	if err != nil {
		return err
	}
	path, perr := parser.ParseExpr(s)
	root := pathRoot(path)
	if perr != nil || root == nil {
		return errorf(o.Value.Pos(), "timestamp names the event-time column, as in 'ts' or 'event.time'; '%s' is not a column name or path", s)
	}
	if strings.HasPrefix(root.Name, "_") {
		return errorf(o.Value.Pos(), "timestamp is an event-time column of the records; without it a stream runs on _arrival")
	}
	if !src.IsSchemaless() {
		c, ok := src.Column(root.Name)
		if !ok {
			return errorf(o.Value.Pos(), "timestamp: %s is not a declared column of stream %s", lexer.QuoteIdent(root.Name), lexer.QuoteIdent(src.Name))
		}
		if path != ast.Expr(root) && c.Type != value.TypeJSON {
			return errorf(o.Value.Pos(), "timestamp: %s is %s, not JSON: '%s' cannot reach into it", root.Name, c.Type, s)
		}
		switch c.Type {
		case value.TypeTimestamp, value.TypeInt, value.TypeDouble, value.TypeString, value.TypeJSON:
		default:
			return errorf(o.Value.Pos(), "timestamp: %s is %s; an event time is a TIMESTAMP, a Unix time or a time in text", root.Name, c.Type)
		}
	}
	src.TimeColumn = s
	return nil
}

// pathRoot is the column a path starts at (a name, then .member, ['member'] or [i]); nil
// when e is not such a path.
func pathRoot(e ast.Expr) *ast.Ident {
	for {
		switch n := e.(type) {
		case *ast.Ident:
			return n
		case *ast.Dot:
			e = n.X
		case *ast.Index:
			switch n.Index.(type) {
			case *ast.IntegerLit, *ast.StringLit:
				e = n.X
			default:
				return nil
			}
		default:
			return nil
		}
	}
}
