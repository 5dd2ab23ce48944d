package putrecords

import "github.com/tidegate/tidegate/uplink"

// Limits are a service's bounds on one call.
type Limits struct {
	Records int // records per call
	Bytes   int // bytes per call, counted as the size function counts them
}

// Split packs the records of recs, in their order, into calls within lim,
// each call a list of indices into recs. A record that check refuses is in
// no call: its error is returned in refused, for the service would fail
// the whole call over it. size is a record's size as the service counts it
// against lim.Bytes.
func Split(recs []uplink.Record, lim Limits, size func(uplink.Record) int,
	check func(i int, r uplink.Record) *uplink.RecordError) (calls [][]int, refused []uplink.RecordError) {
	var call []int
	bytes := 0
	for i, r := range recs {
		if err := check(i, r); err != nil {
			refused = append(refused, *err)
			continue
		}
		n := size(r)
		if len(call) == lim.Records || (len(call) > 0 && bytes+n > lim.Bytes) {
			calls = append(calls, call)
			call, bytes = nil, 0
		}
		call = append(call, i)
		bytes += n
	}
	if len(call) > 0 {
		calls = append(calls, call)
	}
	return calls, refused
}
