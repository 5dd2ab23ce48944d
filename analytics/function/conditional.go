package function

import "github.com/tidegate/tidegate/analytics/value"

func conditionalFuncs() []*Func {
	coalesce := func(_ *Context, a []value.Value) value.Value {
		for _, v := range a {
			if !v.IsNull() {
				return v
			}
		}
		return value.Null
	}
	ifEval := func(_ *Context, a []value.Value) value.Value {
		if a[0].Kind() == value.KindBool && a[0].AsBool() {
			return a[1]
		}
		return a[2]
	}
	return []*Func{
		{Name: "COALESCE", Min: 1, Max: -1, NullSafe: true, Check: commonOf("COALESCE", AcceptAny),
			Doc: "the first argument that is not NULL", Eval: coalesce},
		{Name: "IFNULL", Min: 2, Max: 2, NullSafe: true, Check: commonOf("IFNULL", AcceptAny),
			Doc: "COALESCE of two", Eval: coalesce},
		{Name: "NULLIF", Min: 2, Max: 2, NullSafe: true, Check: nullifCheck,
			Doc: "NULL when the two are equal, else the first",
			Eval: func(_ *Context, a []value.Value) value.Value {
				if value.Equal(a[0], a[1]) {
					return value.Null
				}
				return a[0]
			}},
		{Name: "IF", Min: 3, Max: 3, NullSafe: true, Check: ifCheck("IF"),
			Doc: "IF(cond, a, b): a when cond is TRUE, else b (NULL cond: b)", Eval: ifEval},
		{Name: "IIF", Min: 3, Max: 3, NullSafe: true, Check: ifCheck("IIF"), Doc: "IF", Eval: ifEval},
	}
}

func nullifCheck(args []Arg) (value.Type, error) {
	if _, ok := Common(args[0].Type, args[1].Type); !ok {
		return 0, argErrorf(1, "NULLIF compares %s with %s, which do not compare", args[0].Type, args[1].Type)
	}
	return args[0].Type, nil
}

func ifCheck(name string) func([]Arg) (value.Type, error) {
	return func(args []Arg) (value.Type, error) {
		if !AcceptBool.Fits(args[0].Type) {
			return 0, argErrorf(0, "the condition of %s must be a BOOLEAN, not %s", name, args[0].Type)
		}
		t, ok := Common(args[1].Type, args[2].Type)
		if !ok {
			return 0, argErrorf(2, "the branches of %s are %s and %s, which do not mix", name, args[1].Type, args[2].Type)
		}
		return t, nil
	}
}
