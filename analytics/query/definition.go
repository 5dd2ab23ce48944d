package query

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/schema"
)

// Definition is a continuous query as planned: what a pump runs.
type Definition struct {
	Name   string
	SQL    string // the canonical CREATE QUERY statement
	Plan   *plan.Query
	Limits plan.Limits
	Origin string
	// Key identifies what the query computes: its statement and the declarations of the
	// sources it reads. A restart with another key is a changed query: its state starts
	// over.
	Key string
}

// queryName is what a query's name may be: it is its results' partition key and part of
// its checkpoint's file name.
var queryName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)

// Define plans a CREATE QUERY over cat.
func Define(cat schema.Catalog, limits plan.Limits, stmt *ast.CreateQuery, origin string) (*Definition, error) {
	if !queryName.MatchString(stmt.Name.Name) {
		return nil, &plan.Error{Pos: stmt.Name.At, Msg: fmt.Sprintf("a query's name is 1-128 characters of A-Z, a-z, 0-9, _ . - (it names its results' partition key and its checkpoint), not %q", stmt.Name.Name)}
	}
	p := plan.New(cat)
	if limits != (plan.Limits{}) {
		p.Limits = limits
	}
	q, err := p.CreateQuery(stmt)
	if err != nil {
		return nil, err
	}
	d := &Definition{Name: q.Name, SQL: stmt.String(), Plan: q, Limits: p.Limits, Origin: origin}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%+v\n", d.SQL, d.Limits)
	for _, in := range q.Inputs {
		fmt.Fprintf(h, "%+v\n", *in.Source)
	}
	d.Key = hex.EncodeToString(h.Sum(nil)[:16])
	return d, nil
}

// shared reports whether the query reads one stream (and perhaps tables from files): it
// then runs in its stream's pump, with the other queries of that stream.
func (d *Definition) shared() bool {
	for i, in := range d.Plan.Inputs {
		if i > 0 && in.Source.File == "" {
			return false
		}
	}
	return d.Plan.Inputs[0].Source.Stream != ""
}

// pumpKey names the pump that runs the query.
func (d *Definition) pumpKey() string {
	if d.shared() {
		return "stream:" + d.Plan.Inputs[0].Source.Stream
	}
	return "query:" + d.Name
}
