package plan

import "fmt"

// Sizes used to bound state: what one value, one group's key and one buffered row are
// counted as.
const (
	valueBytes    = 48  // a value and a short string
	entryOverhead = 64  // a map entry and its bookkeeping
	keyBytes      = 256 // a group key's encoding, at most as counted
	// watermarkBytes is a partition key's clock (its latest time, watermark, last arrival)
	// and its list of windows waiting for it.
	watermarkBytes = 96
)

// bound computes the most memory the query's state may take, from the limits the operators
// enforce.
func (b *builder) bound() {
	q, lim := b.q, b.p.Limits
	var bd Bound
	add := func(n int64, format string, args ...any) {
		bd.Bytes += n
		bd.Parts = append(bd.Parts, fmt.Sprintf("%s: %d bytes", fmt.Sprintf(format, args...), n))
	}
	rowBytes := int64(q.InputWidth*valueBytes + entryOverhead)
	if len(q.Stateful) > 0 {
		perKey := int64(entryOverhead + keyBytes)
		for _, s := range q.Stateful {
			perKey += int64(s.Spec.Bytes)
		}
		add(perKey*int64(lim.MaxKeys), "stateful functions: %d keys × %d bytes", lim.MaxKeys, perKey)
	}
	if w := q.Window; q.Mode == Continuous && q.EventTime && w != nil && w.Kind != Count {
		perKey := int64(entryOverhead + keyBytes + watermarkBytes)
		add(perKey*int64(lim.MaxKeys), "watermarks: %d partition keys × %d bytes", lim.MaxKeys, perKey)
	}
	for _, j := range q.Joins {
		in := q.Inputs[j.Right]
		switch {
		case j.Lookup && in.Source.Stream != "":
			add(int64(in.Source.MaxKeys)*rowBytes, "table %s: %d keys × %d bytes", in.Name, in.Source.MaxKeys, rowBytes)
		case j.Lookup:
			add(int64(lim.MaxRows)*rowBytes, "table %s (a file): at most %d rows × %d bytes", in.Name, lim.MaxRows, rowBytes)
		default:
			add(2*int64(lim.MaxRows)*rowBytes, "join with %s within [%s, %s]: 2 sides × %d rows × %d bytes", in.Name, j.Lower, j.Upper, lim.MaxRows, rowBytes)
		}
	}
	if g := q.Group; g != nil {
		perGroup := int64(entryOverhead + keyBytes)
		for _, a := range g.Aggs {
			perGroup += int64(a.Func.MaxBytes(a.Spec, a.Distinct))
		}
		windows := int64(1)
		if w := q.Window; w != nil {
			windows = w.openWindows(q.Lateness)
			switch {
			case w.Kind == Slide && w.Rows > 0:
				perGroup += w.Rows * rowBytes
			case w.Kind == Slide:
				add(int64(lim.MaxRows)*rowBytes, "rows within SLIDE's range: %d × %d bytes", lim.MaxRows, rowBytes)
			}
		}
		add(windows*int64(lim.MaxGroups)*perGroup, "groups: %d open window(s) × %d groups × %d bytes", windows, lim.MaxGroups, perGroup)
	}
	if q.Mode == History && len(q.Order) > 0 {
		rows := int64(lim.MaxRows)
		if q.Limit >= 0 {
			rows = q.Limit
		}
		out := int64(len(q.Project)*valueBytes + entryOverhead)
		add(rows*out, "ORDER BY: %d rows × %d bytes", rows, out)
	}
	q.Bound = bd
}

// Stateless reports a query that keeps no state between rows.
func (q *Query) Stateless() bool {
	return q.Group == nil && len(q.Joins) == 0 && len(q.Stateful) == 0
}
