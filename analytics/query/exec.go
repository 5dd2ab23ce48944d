package query

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/parser"
	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/schema"
	"github.com/tidegate/tidegate/internal/durable"
)

// Where definitions come from. Each place owns its own: the configuration file's are
// reconciled with it, the API's are kept in Dir/api and survive restarts; neither can
// replace or drop the other's.
const (
	OriginConfig = "config"
	OriginAPI    = "api"
)

// ErrOrigin is a change through one place of what another place defined.
var ErrOrigin = errors.New("query: defined elsewhere")

// Result says what an executed script did.
type Result struct {
	Declared []string `json:"declared,omitempty"`
	Created  []string `json:"created,omitempty"`
	Dropped  []string `json:"dropped,omitempty"`
}

func (m *Manager) apiDir() string { return filepath.Join(m.Dir, "api") }

// apiFile is where the API keeps a definition: kind.name.sql, the name escaped.
func (m *Manager) apiFile(kind, name string) string {
	return filepath.Join(m.apiDir(), kind+"."+url.PathEscape(name)+".sql")
}

// Exec applies a script made through the API: it declares streams and tables, creates
// queries (a name taken is ErrExists) and drops what DROP names, keeping each definition
// in Dir/api so that it survives a restart.
func (m *Manager) Exec(ctx context.Context, p *Prepared) (Result, error) {
	var res Result
	if err := durable.MkdirAll(m.apiDir(), 0o700); err != nil {
		return res, fmt.Errorf("query: %w", err)
	}
	for _, d := range p.Decls {
		kind := "stream"
		if d.Source.Kind == schema.Table {
			kind = "table"
		}
		if old, ok := m.cat.Declared(d.Source.Name); ok && old.Origin != OriginAPI {
			return res, fmt.Errorf("%w: %s %s is declared by the %s", ErrOrigin, kind, d.Source.Name, originName(old.Origin))
		}
		if err := durable.WriteFile(m.apiFile(kind, d.Source.Name), []byte(d.SQL+";\n"), 0o600); err != nil {
			return res, fmt.Errorf("query: %w", err)
		}
		m.cat.Declare(d)
		res.Declared = append(res.Declared, d.Source.Name)
	}
	var paths []string
	for _, d := range p.Queries {
		if old, ok := m.Definition(d.Name); ok {
			if old.Origin != OriginAPI {
				return res, fmt.Errorf("%w: query %s is defined by the %s", ErrOrigin, d.Name, originName(old.Origin))
			}
			return res, fmt.Errorf("%w: query %q (drop it first)", ErrExists, d.Name)
		}
		path := m.apiFile("query", d.Name)
		if err := durable.WriteFile(path, []byte(d.SQL+";\n"), 0o600); err != nil {
			return res, fmt.Errorf("query: %w", err)
		}
		paths = append(paths, path)
	}
	if err := m.CreateAll(ctx, p.Queries); err != nil {
		for _, path := range paths {
			durable.Remove(path)
		}
		return res, err
	}
	for _, d := range p.Queries {
		res.Created = append(res.Created, d.Name)
	}
	for _, dr := range p.Drops {
		if err := m.drop(ctx, dr); err != nil {
			return res, err
		}
		res.Dropped = append(res.Dropped, dr.Name)
	}
	return res, nil
}

func originName(origin string) string {
	if origin == OriginConfig {
		return "configuration file"
	}
	return origin
}

// drop removes what a DROP names, if the API defined it.
func (m *Manager) drop(ctx context.Context, dr *plan.Drop) error {
	if dr.Object == ast.QueryObject {
		d, ok := m.Definition(dr.Name)
		if !ok {
			return fmt.Errorf("%w: query %q", ErrNotFound, dr.Name)
		}
		if d.Origin != OriginAPI {
			return fmt.Errorf("%w: query %s is defined by the %s; remove it there", ErrOrigin, dr.Name, originName(d.Origin))
		}
		if err := m.Delete(ctx, dr.Name); err != nil {
			return err
		}
		return removeFile(m.apiFile("query", dr.Name))
	}
	kind := "stream"
	if dr.Object == ast.TableObject {
		kind = "table"
	}
	d, ok := m.cat.Declared(dr.Name)
	if !ok || (kind == "table") != (d.Source.Kind == schema.Table) {
		return fmt.Errorf("%w: %s %q", ErrNotFound, kind, dr.Name)
	}
	if d.Origin != OriginAPI {
		return fmt.Errorf("%w: %s %s is declared by the %s; remove it there", ErrOrigin, kind, dr.Name, originName(d.Origin))
	}
	for _, name := range m.Names() {
		if q, ok := m.Definition(name); ok {
			for _, in := range q.Plan.Inputs {
				if in.Source.Name == dr.Name && in.Source == d.Source {
					return fmt.Errorf("query: %s %s is read by query %s: drop the query first", kind, dr.Name, name)
				}
			}
		}
	}
	m.cat.Forget(dr.Name)
	return removeFile(m.apiFile(kind, dr.Name))
}

func removeFile(path string) error {
	if err := durable.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("query: %w", err)
	}
	return nil
}

// LoadAPI defines again what the API defined before a restart: declarations first, then
// queries. A definition that no longer plans (a stream it reads is gone) is reported and
// left in place.
func (m *Manager) LoadAPI(ctx context.Context) error {
	entries, err := os.ReadDir(m.apiDir())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	var errs []error
	for _, pass := range []string{"stream.", "table.", "query."} {
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), pass) || !strings.HasSuffix(e.Name(), ".sql") {
				continue
			}
			path := filepath.Join(m.apiDir(), e.Name())
			if err := m.loadAPIFile(ctx, path); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", path, err))
			}
		}
	}
	return errors.Join(errs...)
}

func (m *Manager) loadAPIFile(ctx context.Context, path string) error {
	text, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	p, err := m.Prepare(string(text), OriginAPI, false)
	if err != nil {
		return err
	}
	for _, d := range p.Decls {
		m.cat.Declare(d)
	}
	for _, d := range p.Queries {
		if err := m.Replace(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// Reconcile makes the configuration file's definitions those of scripts, in order: its
// declarations replace the file's old ones, its queries start, restart when changed, or
// stop and go when gone. A query or declaration of the API's with a name the file uses
// is an error (ErrOrigin), as is a script that does not plan; the other scripts apply.
func (m *Manager) Reconcile(ctx context.Context, scripts []string) error {
	base := &originFilter{c: m.cat, skip: OriginConfig}
	cat := &overlay{base: base, added: map[string]*schema.Source{}}
	var decls []*Declaration
	var defs []*Definition
	var errs []error
	for i, s := range scripts {
		stmts, err := parser.Parse(s)
		var p *Prepared
		if err == nil {
			p, err = prepare(cat, m.Limits, stmts, OriginConfig, false)
		}
		if err == nil {
			err = configOnly(p)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("queries[%d]: %w", i, err))
			continue
		}
		for _, d := range p.Decls {
			if old, ok := m.cat.Declared(d.Source.Name); ok && old.Origin != OriginConfig {
				errs = append(errs, fmt.Errorf("queries[%d]: %w: %s is declared through the API; drop it there first", i, ErrOrigin, d.Source.Name))
				continue
			}
			cat.added[d.Source.Name] = d.Source
			decls = append(decls, d)
		}
		defs = append(defs, p.Queries...)
	}
	want := map[string]bool{}
	for _, d := range decls {
		want[d.Source.Name] = true
	}
	for _, d := range m.cat.List() {
		if d.Origin == OriginConfig && !want[d.Source.Name] {
			m.cat.Forget(d.Source.Name)
		}
	}
	for _, d := range decls {
		m.cat.Declare(d)
	}
	wantQ := map[string]bool{}
	for _, d := range defs {
		if old, ok := m.Definition(d.Name); ok && old.Origin != OriginConfig {
			errs = append(errs, fmt.Errorf("%w: query %s is defined through the API; drop it there first", ErrOrigin, d.Name))
			continue
		}
		wantQ[d.Name] = true
		if err := m.Replace(ctx, d); err != nil {
			errs = append(errs, fmt.Errorf("query %s: %w", d.Name, err))
		}
	}
	for _, name := range m.Names() {
		if d, ok := m.Definition(name); ok && d.Origin == OriginConfig && !wantQ[name] {
			if err := m.Delete(ctx, name); err != nil {
				errs = append(errs, err)
			} else {
				m.logger().Info("query removed from the configuration: stopped, its state dropped", "query", name)
			}
		}
	}
	return errors.Join(errs...)
}

// configOnly refuses what has no place in a configuration file.
func configOnly(p *Prepared) error {
	if p.Select != nil {
		return &plan.Error{Pos: p.Select.Node.Pos(), Msg: "an ad-hoc SELECT has no place in the configuration: make it a CREATE QUERY … AS INSERT INTO … SELECT"}
	}
	if len(p.Drops) > 0 {
		return errors.New("DROP has no place in the configuration: remove the definition instead")
	}
	return nil
}

// originFilter is a catalog without the declarations of one origin.
type originFilter struct {
	c    *Catalog
	skip string
}

func (f *originFilter) Lookup(name string) (*schema.Source, bool) {
	if d, ok := f.c.Declared(name); ok {
		if d.Origin == f.skip {
			if f.c.stored != nil && f.c.stored(name) {
				return schema.Schemaless(name), true
			}
			return nil, false
		}
		return d.Source, true
	}
	return f.c.Lookup(name)
}

// Check plans the scripts of a configuration file as Reconcile would, each stream name
// taken for a stored stream: what `tidegate config check` reports. The error of each
// script that does not plan is returned at its index.
func Check(limits plan.Limits, scripts []string) map[int]error {
	cat := &overlay{base: &schema.Map{Stored: func(string) bool { return true }}, added: map[string]*schema.Source{}}
	errs := map[int]error{}
	for i, s := range scripts {
		stmts, err := parser.Parse(s)
		var p *Prepared
		if err == nil {
			p, err = prepare(cat, limits, stmts, OriginConfig, false)
		}
		if err == nil {
			err = configOnly(p)
		}
		if err != nil {
			errs[i] = err
			continue
		}
		for _, d := range p.Decls {
			cat.added[d.Source.Name] = d.Source
		}
	}
	return errs
}
