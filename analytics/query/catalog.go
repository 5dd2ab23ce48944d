package query

import (
	"slices"
	"sync"

	"github.com/tidegate/tidegate/analytics/schema"
)

// Catalog holds the streams and tables declared with CREATE STREAM and CREATE TABLE, each
// with where its declaration came from, and answers a stored stream never declared as a
// schemaless source. It is safe for concurrent use.
type Catalog struct {
	mu      sync.RWMutex
	sources map[string]*Declaration
	stored  func(name string) bool
}

// Declaration is a declared stream or table.
type Declaration struct {
	Source *schema.Source
	SQL    string // its canonical CREATE statement
	Origin string // who declared it: the configuration file, the REST API
}

// NewCatalog makes a catalog; stored reports whether a stream of that name is stored.
func NewCatalog(stored func(name string) bool) *Catalog {
	return &Catalog{sources: map[string]*Declaration{}, stored: stored}
}

// Lookup finds a declared source, else a stored stream as a schemaless source.
func (c *Catalog) Lookup(name string) (*schema.Source, bool) {
	c.mu.RLock()
	d, ok := c.sources[name]
	c.mu.RUnlock()
	if ok {
		return d.Source, true
	}
	if c.stored != nil && c.stored(name) {
		return schema.Schemaless(name), true
	}
	return nil, false
}

// Declared finds a declaration.
func (c *Catalog) Declared(name string) (*Declaration, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d, ok := c.sources[name]
	return d, ok
}

// Declare adds or replaces a declaration.
func (c *Catalog) Declare(d *Declaration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sources[d.Source.Name] = d
}

// Forget removes a declaration.
func (c *Catalog) Forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.sources, name)
}

// List returns the declarations, by name.
func (c *Catalog) List() []*Declaration {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*Declaration, 0, len(c.sources))
	for _, d := range c.sources {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b *Declaration) int {
		switch {
		case a.Source.Name < b.Source.Name:
			return -1
		case a.Source.Name > b.Source.Name:
			return 1
		}
		return 0
	})
	return out
}
