package value

import "github.com/tidegate/tidegate/analytics/ast"

// Kind is what a Value holds at run time.
type Kind uint8

// The kinds. KindNull is the zero Kind, so that the zero Value is NULL.
const (
	KindNull Kind = iota
	KindBool
	KindInt
	KindDouble
	KindString
	KindTimestamp
	KindInterval
	KindArray
	KindObject
)

// String names the kind as its type is spelt, ARRAY and OBJECT for the JSON composites.
func (k Kind) String() string {
	switch k {
	case KindNull:
		return "NULL"
	case KindArray:
		return "ARRAY"
	case KindObject:
		return "OBJECT"
	}
	return Type(k).String()
}

// Type is the static type of an expression, as the planner infers it.
type Type uint8

// The types. A scalar type has the number of its kind. TypeJSON is "any": a value whose
// kind is known only at run time. TypeNull is the type of the literal NULL, which fits
// wherever any type does.
const (
	TypeNull      = Type(KindNull)
	TypeBool      = Type(KindBool)
	TypeInt       = Type(KindInt)
	TypeDouble    = Type(KindDouble)
	TypeString    = Type(KindString)
	TypeTimestamp = Type(KindTimestamp)
	TypeInterval  = Type(KindInterval)
	TypeJSON      = Type(KindObject + 1)
)

// String is the SQL spelling of the type.
func (t Type) String() string {
	switch t {
	case TypeNull:
		return "NULL"
	case TypeBool:
		return "BOOLEAN"
	case TypeInt:
		return "BIGINT"
	case TypeDouble:
		return "DOUBLE"
	case TypeString:
		return "STRING"
	case TypeTimestamp:
		return "TIMESTAMP"
	case TypeInterval:
		return "INTERVAL"
	case TypeJSON:
		return "JSON"
	}
	return "INVALID TYPE"
}

// Numeric reports BIGINT and DOUBLE.
func (t Type) Numeric() bool { return t == TypeInt || t == TypeDouble }

// Holds reports whether a value of kind k can have type t: its own type, or any kind for
// JSON, or NULL for every type.
func (t Type) Holds(k Kind) bool {
	return k == KindNull || t == TypeJSON || Type(k) == t
}

// FromAST maps a declared column type or a CAST target to its Type.
func FromAST(t ast.Type) Type {
	switch t {
	case ast.TypeString:
		return TypeString
	case ast.TypeDouble:
		return TypeDouble
	case ast.TypeBigInt:
		return TypeInt
	case ast.TypeBoolean:
		return TypeBool
	case ast.TypeTimestamp:
		return TypeTimestamp
	}
	return TypeJSON
}
