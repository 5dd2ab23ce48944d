package aggregate

import (
	"encoding"
	"errors"
	"fmt"
	"sort"

	"github.com/tidegate/tidegate/analytics/function"
	"github.com/tidegate/tidegate/analytics/value"
)

// Accumulator is one group's state of one aggregate call.
type Accumulator interface {
	// Add takes a row's argument value and time (Unix nanoseconds).
	Add(v value.Value, ts int64)
	// Merge adds the rows another accumulator of the same call has taken.
	Merge(o Accumulator) error
	// Result is the aggregate over the rows taken so far.
	Result() value.Value
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
}

// Retractor is an accumulator that can take a row back.
type Retractor interface {
	Retract(v value.Value, ts int64)
}

// ErrMismatch is returned by Merge for an accumulator of another kind.
var ErrMismatch = errors.New("aggregate: merging accumulators of different aggregates")

// ErrCorrupt is returned by UnmarshalBinary for bytes it did not write.
var ErrCorrupt = errors.New("aggregate: corrupt accumulator state")

// Spec is what a call fixes: its argument's type and constant parameters.
type Spec struct {
	Arg  value.Type // the argument's type (TypeNull for COUNT(*))
	Star bool       // COUNT(*)
	P    float64    // PERCENTILE's p
}

// Func is one aggregate.
type Func struct {
	Name     string
	Min, Max int  // arguments (COUNT(*) counts as none)
	Star     bool // takes *
	Distinct bool // takes DISTINCT
	// Check is the type rule: the result type and the Spec, or an error (a
	// *function.ArgError names the argument at fault).
	Check func(args []function.Arg, star, distinct bool) (value.Type, Spec, error)
	// New makes an empty accumulator for a call.
	New func(s Spec, distinct bool) Accumulator
	// MaxBytes bounds one accumulator's memory.
	MaxBytes func(s Spec, distinct bool) int
	Doc      string
}

// Registry holds the aggregates by name.
type Registry struct {
	funcs map[string]*Func
}

// Builtins is a registry of every built-in aggregate.
func Builtins() *Registry {
	r := &Registry{funcs: map[string]*Func{}}
	for _, f := range builtins() {
		r.Add(f)
	}
	return r
}

// Add registers an aggregate under its upper-case name.
func (r *Registry) Add(f *Func) {
	if _, dup := r.funcs[f.Name]; dup {
		panic("aggregate: " + f.Name + " registered twice")
	}
	r.funcs[f.Name] = f
}

// Lookup finds an aggregate by upper-case name.
func (r *Registry) Lookup(name string) (*Func, bool) {
	f, ok := r.funcs[name]
	return f, ok
}

// Names lists the aggregates, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.funcs))
	for n := range r.funcs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// checkCall applies the common rules: *, DISTINCT and arity.
func checkCall(f *Func, nargs int, star, distinct bool) error {
	switch {
	case star && !f.Star:
		return fmt.Errorf("%s(*) is not defined; only COUNT takes *", f.Name)
	case distinct && !f.Distinct:
		return fmt.Errorf("%s(DISTINCT …) is not supported; DISTINCT is for COUNT(DISTINCT x)", f.Name)
	case star:
		return nil
	}
	return function.CheckArity(f.Name, f.Min, f.Max, nargs)
}

// CheckCall checks a call of f and returns its result type and spec.
func (f *Func) CheckCall(args []function.Arg, star, distinct bool) (value.Type, Spec, error) {
	if err := checkCall(f, len(args), star, distinct); err != nil {
		return 0, Spec{}, err
	}
	return f.Check(args, star, distinct)
}
