package typed

import (
	"fmt"
	"sort"
)

// Registry holds the types of one kind of plug-in by name.
//
// It is written while the program initialises — each plug-in package adds
// itself from its init function, and package initialisation runs on one
// goroutine before main — and only read afterwards, so it takes no lock.
// This write-once-at-init registry is the one package-level mutable value
// Tidegate accepts.
type Registry[T any] struct {
	kind  string
	types map[string]T
}

// NewRegistry returns an empty registry; kind names the plug-ins in panics
// and errors ("destination", "sensor driver").
func NewRegistry[T any](kind string) *Registry[T] {
	return &Registry[T]{kind: kind, types: map[string]T{}}
}

// Add registers t under name. An empty or repeated name is a programming
// error in a plug-in's init, so it panics: the binary would not start.
func (r *Registry[T]) Add(name string, t T) {
	if name == "" {
		panic(fmt.Sprintf("typed: a %s registered without a name", r.kind))
	}
	if _, dup := r.types[name]; dup {
		panic(fmt.Sprintf("typed: %s %q registered twice", r.kind, name))
	}
	r.types[name] = t
}

// Lookup returns the type registered under name.
func (r *Registry[T]) Lookup(name string) (T, bool) {
	t, ok := r.types[name]
	return t, ok
}

// Names lists the registered names, sorted.
func (r *Registry[T]) Names() []string {
	out := make([]string, 0, len(r.types))
	for name := range r.types {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Kind is what the registry holds, as given to NewRegistry.
func (r *Registry[T]) Kind() string { return r.kind }
