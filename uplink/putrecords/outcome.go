package putrecords

import (
	"cmp"
	"slices"

	"github.com/tidegate/tidegate/uplink"
)

// Unsent lists the records of calls, which were not sent because a call
// failed as a whole with err, each with code and err's message.
func Unsent(code string, err error, calls ...[]int) []uplink.RecordError {
	var out []uplink.RecordError
	for _, call := range calls {
		for _, i := range call {
			out = append(out, uplink.RecordError{Index: i, Code: code, Message: err.Error()})
		}
	}
	return out
}

// Failed lists the records of call, which failed as a whole with err, each
// with code and err's message; they may be at the service all the same
// when err says so (uplink.MaybeDelivered).
func Failed(code string, err error, call []int) []uplink.RecordError {
	out := Unsent(code, err, call)
	if uplink.IsMaybeDelivered(err) {
		for i := range out {
			out[i].MaybeDelivered = true
		}
	}
	return out
}

// Whole reports whether a call that failed with err while nothing of the
// batch was delivered or failed yet fails the batch as a whole: unless err
// leaves the call's records possibly delivered and calls were left
// unsent, which then need telling apart in a PartialError.
func Whole(err error, callsLeft int) bool {
	return callsLeft == 0 || !uplink.IsMaybeDelivered(err)
}

// Outcome turns what failed into Send's answer: failed, the records the
// service refused or that were not sent, and refused, those Split kept back
// because the service would never take them. Refused records are reported
// permanent only when nothing else failed: a PartialError has one
// Permanent flag, and a retryable failure must not send good records to
// the dead-letter stream. Until then they ride along with the retryable
// ones and are checked again on the next attempt.
func Outcome(failed, refused []uplink.RecordError) error {
	switch {
	case len(failed) == 0 && len(refused) == 0:
		return nil
	case len(failed) == 0:
		return &uplink.PartialError{Failed: refused, Permanent: true}
	}
	all := append(failed, refused...)
	slices.SortFunc(all, func(a, b uplink.RecordError) int { return cmp.Compare(a.Index, b.Index) })
	return &uplink.PartialError{Failed: all}
}
