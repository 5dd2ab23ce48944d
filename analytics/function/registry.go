package function

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tidegate/tidegate/analytics/value"
)

// Context is what an evaluation knows besides the row: the current time for NOW().
type Context struct {
	Now int64 // Unix nanoseconds
}

// Arg is an argument as the type rule sees it: its type, and its value when constant.
type Arg struct {
	Type  value.Type
	Const bool
	Value value.Value
}

// Impl computes a function's result from its evaluated arguments.
type Impl func(c *Context, args []value.Value) value.Value

// Func is one scalar function.
type Func struct {
	Name     string
	Min, Max int // argument counts; Max -1: any number from Min
	// Check is the type rule: the result type for these arguments, or an error. An
	// *ArgError names the argument at fault.
	Check func(args []Arg) (value.Type, error)
	// Eval computes the result. Prepare, when set, replaces it with an implementation made
	// for the constant arguments (a compiled regular expression), or refuses them.
	Eval    Impl
	Prepare func(args []Arg) (Impl, error)
	// NullSafe functions are called with NULL arguments; strict ones return NULL for them
	// without being called.
	NullSafe bool
	// Volatile functions (NOW) are never folded into constants.
	Volatile bool
	// Doc is a one-line description for the documentation.
	Doc string
}

// ArgError is a type rule's complaint about one argument.
type ArgError struct {
	Index int
	Msg   string
}

func (e *ArgError) Error() string { return e.Msg }

// argErrorf builds an *ArgError.
func argErrorf(i int, format string, args ...any) error {
	return &ArgError{Index: i, Msg: fmt.Sprintf(format, args...)}
}

// Registry holds the functions by name.
type Registry struct {
	funcs    map[string]*Func
	stateful map[string]*Stateful
}

// NewRegistry makes an empty registry.
func NewRegistry() *Registry {
	return &Registry{funcs: map[string]*Func{}, stateful: map[string]*Stateful{}}
}

// Builtins is a registry of every built-in function.
func Builtins() *Registry {
	r := NewRegistry()
	for _, list := range [][]*Func{mathFuncs(), stringFuncs(), timeFuncs(), conditionalFuncs(), jsonFuncs()} {
		for _, f := range list {
			r.Add(f)
		}
	}
	for _, s := range statefulFuncs() {
		r.AddStateful(s)
	}
	return r
}

// Add registers a scalar function under its (upper-case) name; a second registration of
// a name is a programming error.
func (r *Registry) Add(f *Func) {
	if _, dup := r.funcs[f.Name]; dup {
		panic("function: " + f.Name + " registered twice")
	}
	r.funcs[f.Name] = f
}

// AddStateful registers a stateful function.
func (r *Registry) AddStateful(s *Stateful) {
	if _, dup := r.stateful[s.Name]; dup {
		panic("function: " + s.Name + " registered twice")
	}
	r.stateful[s.Name] = s
}

// Lookup finds a scalar function by upper-case name.
func (r *Registry) Lookup(name string) (*Func, bool) {
	f, ok := r.funcs[name]
	return f, ok
}

// LookupStateful finds a stateful function by upper-case name.
func (r *Registry) LookupStateful(name string) (*Stateful, bool) {
	s, ok := r.stateful[name]
	return s, ok
}

// Names lists the scalar functions, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.funcs))
	for n := range r.funcs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// CheckArity reports a wrong number of arguments, as "ROUND takes 1 or 2 arguments, got 3".
func CheckArity(name string, min, max, got int) error {
	if got >= min && (max < 0 || got <= max) {
		return nil
	}
	var want string
	switch {
	case max < 0:
		want = fmt.Sprintf("at least %d argument%s", min, plural(min))
	case min == max:
		want = fmt.Sprintf("%d argument%s", min, plural(min))
	case max == min+1:
		want = fmt.Sprintf("%d or %d arguments", min, max)
	default:
		want = fmt.Sprintf("%d to %d arguments", min, max)
	}
	return fmt.Errorf("%s takes %s, got %d", name, want, got)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Suggest is the registered name closest to name, for "did you mean" hints; "" when none
// is close.
func (r *Registry) Suggest(name string) string {
	names := r.Names()
	for n := range r.stateful {
		names = append(names, n)
	}
	sort.Strings(names)
	upper := strings.ToUpper(name)
	best, bestDist := "", max(1, len(upper)/3)+1
	for _, n := range names {
		if d := distance(upper, n); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// distance is the Levenshtein distance of two short names.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
