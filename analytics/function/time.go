package function

import (
	"math"
	"strings"
	"time"

	"github.com/tidegate/tidegate/analytics/value"
)

// dateParts are the fields of DATE_PART, and whether each is fractional (a DOUBLE).
func dateParts() map[string]bool {
	return map[string]bool{
		"year": false, "quarter": false, "month": false, "week": false, "day": false, "dow": false,
		"isodow": false, "doy": false, "hour": false, "minute": false, "second": true,
		"millisecond": false, "epoch": true,
	}
}

// truncUnits are the units of DATE_TRUNC.
func truncUnits() []string {
	return []string{"millisecond", "second", "minute", "hour", "day", "week", "month", "quarter", "year"}
}

func timeFuncs() []*Func {
	return []*Func{
		{Name: "NOW", Min: 0, Max: 0, Volatile: true, Check: sig("NOW", value.TypeTimestamp),
			Doc:  "the current time (processing time; in an ad-hoc query, when it started)",
			Eval: func(c *Context, _ []value.Value) value.Value { return value.Timestamp(c.Now) }},
		{Name: "DATE_PART", Min: 2, Max: 2, Check: datePartCheck("DATE_PART"), Eval: datePart,
			Doc: "DATE_PART('hour', ts): a field of a timestamp (UTC): year, quarter, month, week, day, dow, isodow, doy, hour, minute, second, millisecond, epoch"},
		{Name: "EXTRACT", Min: 2, Max: 2, Check: datePartCheck("EXTRACT"), Eval: datePart,
			Doc: "EXTRACT('hour', ts): DATE_PART"},
		{Name: "DATE_TRUNC", Min: 2, Max: 2, Check: dateTruncCheck, Eval: dateTrunc,
			Doc: "DATE_TRUNC('hour', ts): the timestamp cut down to the unit (UTC): millisecond … year"},
		{Name: "FROM_UNIXTIME", Min: 1, Max: 1, Check: sig("FROM_UNIXTIME", value.TypeTimestamp, AcceptNumber),
			Doc: "a timestamp from Unix seconds (fractions allowed)", Eval: fromSeconds},
		{Name: "TO_TIMESTAMP", Min: 1, Max: 1, Check: sig("TO_TIMESTAMP", value.TypeTimestamp, AcceptNumber|AcceptString),
			Doc: "a timestamp from Unix seconds, or from text as a TIMESTAMP literal is written",
			Eval: func(c *Context, a []value.Value) value.Value {
				if a[0].Kind() == value.KindString {
					v, _ := value.ParseTimestamp(a[0].AsString())
					return v
				}
				return fromSeconds(c, a)
			}},
		{Name: "UNIX_TIMESTAMP", Min: 1, Max: 1, Check: sig("UNIX_TIMESTAMP", value.TypeInt, AcceptTimestamp),
			Doc: "Unix seconds of a timestamp (rounded down)", Eval: unixIn(int64(time.Second))},
		{Name: "UNIX_MILLIS", Min: 1, Max: 1, Check: sig("UNIX_MILLIS", value.TypeInt, AcceptTimestamp),
			Doc: "Unix milliseconds of a timestamp (rounded down)", Eval: unixIn(int64(time.Millisecond))},
		{Name: "FORMAT_TIME", Min: 2, Max: 2, Check: formatTimeCheck, Eval: formatTime,
			Doc: "FORMAT_TIME(ts, '%Y-%m-%d %H:%M'): a timestamp as text, strftime directives (UTC)"},
	}
}

func fromSeconds(_ *Context, a []value.Value) value.Value {
	f, ok := a[0].Number()
	if !ok || math.IsNaN(f) || math.Abs(f) >= 9.2e9 {
		return value.Null
	}
	if a[0].Kind() == value.KindInt {
		return value.Timestamp(a[0].AsInt() * int64(time.Second))
	}
	return value.Timestamp(int64(math.Round(f * 1e9)))
}

func unixIn(unit int64) Impl {
	return func(_ *Context, a []value.Value) value.Value {
		if a[0].Kind() != value.KindTimestamp {
			return value.Null
		}
		ns := a[0].AsNanos()
		q := ns / unit
		if ns%unit < 0 {
			q--
		}
		return value.Int(q)
	}
}

func datePartCheck(name string) func([]Arg) (value.Type, error) {
	return func(args []Arg) (value.Type, error) {
		if err := checkArgs(name, args, AcceptString, AcceptTimestamp); err != nil {
			return 0, err
		}
		unit, err := needConst(name, args, 0, "the field, as in "+name+"('hour', ts)")
		if err != nil {
			return 0, err
		}
		frac, ok := dateParts()[strings.ToLower(unit)]
		if !ok {
			return 0, argErrorf(0, "%s: unknown field '%s' (year, quarter, month, week, day, dow, isodow, doy, hour, minute, second, millisecond or epoch)", name, unit)
		}
		if frac {
			return value.TypeDouble, nil
		}
		return value.TypeInt, nil
	}
}

func datePart(_ *Context, a []value.Value) value.Value {
	if a[0].Kind() != value.KindString || a[1].Kind() != value.KindTimestamp {
		return value.Null
	}
	ns := a[1].AsNanos()
	t := a[1].AsTime()
	switch strings.ToLower(a[0].AsString()) {
	case "year":
		return value.Int(int64(t.Year()))
	case "quarter":
		return value.Int(int64(t.Month()-1)/3 + 1)
	case "month":
		return value.Int(int64(t.Month()))
	case "week":
		_, w := t.ISOWeek()
		return value.Int(int64(w))
	case "day":
		return value.Int(int64(t.Day()))
	case "dow":
		return value.Int(int64(t.Weekday()))
	case "isodow":
		d := int64(t.Weekday())
		if d == 0 {
			d = 7
		}
		return value.Int(d)
	case "doy":
		return value.Int(int64(t.YearDay()))
	case "hour":
		return value.Int(int64(t.Hour()))
	case "minute":
		return value.Int(int64(t.Minute()))
	case "second":
		return value.Double(float64(t.Second()) + float64(t.Nanosecond())/1e9)
	case "millisecond":
		return value.Int(int64(t.Second())*1000 + int64(t.Nanosecond())/1e6)
	case "epoch":
		sec, frac := ns/1e9, ns%1e9
		if frac < 0 {
			sec, frac = sec-1, frac+1e9
		}
		return value.Double(float64(sec) + float64(frac)/1e9)
	}
	return value.Null
}

func dateTruncCheck(args []Arg) (value.Type, error) {
	if err := checkArgs("DATE_TRUNC", args, AcceptString, AcceptTimestamp); err != nil {
		return 0, err
	}
	unit, err := needConst("DATE_TRUNC", args, 0, "the unit, as in DATE_TRUNC('hour', ts)")
	if err != nil {
		return 0, err
	}
	for _, u := range truncUnits() {
		if strings.EqualFold(u, unit) {
			return value.TypeTimestamp, nil
		}
	}
	return 0, argErrorf(0, "DATE_TRUNC: unknown unit '%s' (%s)", unit, strings.Join(truncUnits(), ", "))
}

func dateTrunc(_ *Context, a []value.Value) value.Value {
	if a[0].Kind() != value.KindString || a[1].Kind() != value.KindTimestamp {
		return value.Null
	}
	t := a[1].AsTime()
	y, m, d := t.Date()
	var out time.Time
	switch strings.ToLower(a[0].AsString()) {
	case "millisecond":
		out = t.Truncate(time.Millisecond)
	case "second":
		out = t.Truncate(time.Second)
	case "minute":
		out = t.Truncate(time.Minute)
	case "hour":
		out = t.Truncate(time.Hour)
	case "day":
		out = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	case "week":
		back := (int(t.Weekday()) + 6) % 7 // days since Monday
		out = time.Date(y, m, d-back, 0, 0, 0, 0, time.UTC)
	case "month":
		out = time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	case "quarter":
		out = time.Date(y, (m-1)/3*3+1, 1, 0, 0, 0, 0, time.UTC)
	case "year":
		out = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	default:
		return value.Null
	}
	return value.Time(out)
}

func formatTimeCheck(args []Arg) (value.Type, error) {
	if err := checkArgs("FORMAT_TIME", args, AcceptTimestamp, AcceptString); err != nil {
		return 0, err
	}
	if f, ok := constString(args[1]); ok {
		if _, err := Strftime(nil, time.Unix(0, 0).UTC(), f); err != nil {
			return 0, argErrorf(1, "FORMAT_TIME: %v", err)
		}
	}
	return value.TypeString, nil
}

func formatTime(_ *Context, a []value.Value) value.Value {
	if a[0].Kind() != value.KindTimestamp || a[1].Kind() != value.KindString {
		return value.Null
	}
	b, err := Strftime(nil, a[0].AsTime(), a[1].AsString())
	if err != nil {
		return value.Null
	}
	return value.String(string(b))
}
