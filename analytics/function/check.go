package function

import (
	"github.com/tidegate/tidegate/analytics/value"
)

// Accept is a set of types an argument may have. JSON and NULL fit every set.
type Accept uint16

// The argument classes.
const (
	AcceptBool      = Accept(1 << value.TypeBool)
	AcceptInt       = Accept(1 << value.TypeInt)
	AcceptDouble    = Accept(1 << value.TypeDouble)
	AcceptString    = Accept(1 << value.TypeString)
	AcceptTimestamp = Accept(1 << value.TypeTimestamp)
	AcceptInterval  = Accept(1 << value.TypeInterval)
	AcceptNumber    = AcceptInt | AcceptDouble
	AcceptAny       = AcceptBool | AcceptNumber | AcceptString | AcceptTimestamp | AcceptInterval
)

// Fits reports whether t is in the set.
func (a Accept) Fits(t value.Type) bool {
	return t == value.TypeJSON || t == value.TypeNull || a&(1<<t) != 0
}

// String names the set for messages.
func (a Accept) String() string {
	switch a {
	case AcceptNumber:
		return "a number"
	case AcceptAny:
		return "a value"
	}
	var names []string
	for t := value.TypeBool; t <= value.TypeInterval; t++ {
		if a&(1<<t) != 0 {
			names = append(names, "a "+t.String())
		}
	}
	switch len(names) {
	case 0:
		return "nothing"
	case 1:
		return names[0]
	}
	s := names[0]
	for _, n := range names[1 : len(names)-1] {
		s += ", " + n
	}
	return s + " or " + names[len(names)-1]
}

// checkArgs checks each argument against its class (the last class repeats for variadic
// functions).
func checkArgs(name string, args []Arg, classes ...Accept) error {
	for i, a := range args {
		c := classes[min(i, len(classes)-1)]
		if !c.Fits(a.Type) {
			return argErrorf(i, "argument %d of %s must be %s, not %s", i+1, name, c, a.Type)
		}
	}
	return nil
}

// sig is the rule "these classes in, this type out".
func sig(name string, result value.Type, classes ...Accept) func([]Arg) (value.Type, error) {
	return func(args []Arg) (value.Type, error) {
		return result, checkArgs(name, args, classes...)
	}
}

// sameNumber is the rule of ABS, FLOOR…: a number in, the same type out (JSON in, JSON
// out: the kind is the row's).
func sameNumber(name string) func([]Arg) (value.Type, error) {
	return func(args []Arg) (value.Type, error) {
		if err := checkArgs(name, args, AcceptNumber); err != nil {
			return 0, err
		}
		switch t := args[0].Type; t {
		case value.TypeInt, value.TypeDouble:
			return t, nil
		}
		return value.TypeJSON, nil
	}
}

// Common is the type that values of types a and b both have after numeric promotion:
// equal types, BIGINT with DOUBLE is DOUBLE, NULL takes the other's type, JSON with any
// type is JSON. ok is false when they have none (a STRING and a BIGINT).
func Common(a, b value.Type) (value.Type, bool) {
	switch {
	case a == b:
		return a, true
	case a == value.TypeNull:
		return b, true
	case b == value.TypeNull:
		return a, true
	case a == value.TypeJSON || b == value.TypeJSON:
		return value.TypeJSON, true
	case a.Numeric() && b.Numeric():
		return value.TypeDouble, true
	}
	return 0, false
}

// commonOf is the rule of COALESCE, GREATEST…: every argument of one common type, which
// is the result.
func commonOf(name string, accept Accept) func([]Arg) (value.Type, error) {
	return func(args []Arg) (value.Type, error) {
		if err := checkArgs(name, args, accept); err != nil {
			return 0, err
		}
		t := value.TypeNull
		for i, a := range args {
			c, ok := Common(t, a.Type)
			if !ok {
				return 0, argErrorf(i, "argument %d of %s is %s, which does not mix with %s", i+1, name, a.Type, t)
			}
			t = c
		}
		return t, nil
	}
}

// Coerce brings v to type t after promotion (a BIGINT to a DOUBLE); values of other kinds
// are returned unchanged.
func Coerce(v value.Value, t value.Type) value.Value {
	if t == value.TypeDouble && v.Kind() == value.KindInt {
		return value.Double(float64(v.AsInt()))
	}
	return v
}

// constString is a constant string argument's text; ok false when it is not one.
func constString(a Arg) (string, bool) {
	if !a.Const || a.Value.Kind() != value.KindString {
		return "", false
	}
	return a.Value.AsString(), true
}

// needConst requires argument i to be a constant string and returns it.
func needConst(name string, args []Arg, i int, what string) (string, error) {
	s, ok := constString(args[i])
	if !ok {
		return "", argErrorf(i, "argument %d of %s must be a constant string: %s", i+1, name, what)
	}
	return s, nil
}
