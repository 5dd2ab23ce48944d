package ast

import "strings"

// Type is the type of a declared column or of a CAST.
type Type uint8

// The types. JSON is any JSON value — object, array or scalar — whose parts are reached
// with a.b, a['k'] and a[0]; it is also what the columns of an undeclared stream hold.
const (
	TypeString Type = iota + 1
	TypeDouble
	TypeBigInt
	TypeBoolean
	TypeTimestamp
	TypeJSON
)

// String is the canonical spelling of the type.
func (t Type) String() string {
	switch t {
	case TypeString:
		return "STRING"
	case TypeDouble:
		return "DOUBLE"
	case TypeBigInt:
		return "BIGINT"
	case TypeBoolean:
		return "BOOLEAN"
	case TypeTimestamp:
		return "TIMESTAMP"
	case TypeJSON:
		return "JSON"
	}
	return "INVALID TYPE"
}

// TypeByName looks up a type by any of its spellings, case-insensitively: STRING
// (VARCHAR), DOUBLE (FLOAT, REAL), BIGINT (INT, INTEGER), BOOLEAN (BOOL), TIMESTAMP, JSON.
func TypeByName(name string) (Type, bool) {
	switch strings.ToUpper(name) {
	case "STRING", "VARCHAR":
		return TypeString, true
	case "DOUBLE", "FLOAT", "REAL":
		return TypeDouble, true
	case "BIGINT", "INT", "INTEGER":
		return TypeBigInt, true
	case "BOOLEAN", "BOOL":
		return TypeBoolean, true
	case "TIMESTAMP":
		return TypeTimestamp, true
	case "JSON":
		return TypeJSON, true
	}
	return 0, false
}
