package kvsapi

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tidegate/tidegate/video/fragments"
)

// selector is a FragmentSelector (ListFragments) or ClipFragmentSelector.
type selector struct {
	FragmentSelectorType string `json:"FragmentSelectorType"`
	TimestampRange       *struct {
		StartTimestamp *timestamp `json:"StartTimestamp"`
		EndTimestamp   *timestamp `json:"EndTimestamp"`
	} `json:"TimestampRange"`
}

// timeRange is a checked selector.
type timeRange struct {
	producer   bool
	start, end time.Time
}

func (s *selector) check(what string) (timeRange, error) {
	var tr timeRange
	switch s.FragmentSelectorType {
	case "SERVER_TIMESTAMP":
	case "PRODUCER_TIMESTAMP":
		tr.producer = true
	default:
		return tr, invalid("%s.FragmentSelectorType %q is not SERVER_TIMESTAMP or PRODUCER_TIMESTAMP", what, s.FragmentSelectorType)
	}
	r := s.TimestampRange
	if r == nil || r.StartTimestamp == nil || r.EndTimestamp == nil {
		return tr, invalid("%s.TimestampRange needs StartTimestamp and EndTimestamp", what)
	}
	tr.start, tr.end = r.StartTimestamp.Time, r.EndTimestamp.Time
	if tr.end.Before(tr.start) {
		return tr, invalid("%s: EndTimestamp is before StartTimestamp", what)
	}
	return tr, nil
}

// starting lists the fragments whose start (server or producer timestamp)
// lies in [start, end], both inclusive, as Kinesis Video selects them, by
// number, after a number, at most limit (0: all). Producer timestamps are
// looked for within a day of the gateway's clock.
func (a *API) starting(camera string, tr timeRange, after uint64, limit int) ([]fragments.Fragment, error) {
	q := fragments.Query{Start: tr.start, End: tr.end.Add(time.Nanosecond), After: after}
	if tr.producer {
		q.Start, q.End = tr.start.Add(-24*time.Hour), tr.end.Add(24*time.Hour)
	}
	var out []fragments.Fragment
	for {
		q.Limit = 256
		frs, err := a.Store.Fragments(camera, q)
		if err != nil {
			return nil, err
		}
		for _, f := range frs {
			at := f.Server
			if tr.producer {
				at = f.Producer
			}
			if at.IsZero() || at.Before(tr.start) || at.After(tr.end) {
				continue
			}
			out = append(out, f)
			if limit > 0 && len(out) == limit {
				return out, nil
			}
		}
		if len(frs) < q.Limit {
			return out, nil
		}
		q.After = frs[len(frs)-1].Number
	}
}

type listFragmentsInput struct {
	streamRef
	MaxResults       *int64    `json:"MaxResults"`
	NextToken        string    `json:"NextToken"`
	FragmentSelector *selector `json:"FragmentSelector"`
}

type fragmentOut struct {
	FragmentNumber               string     `json:"FragmentNumber"`
	FragmentSizeInBytes          int64      `json:"FragmentSizeInBytes"`
	ProducerTimestamp            *timestamp `json:"ProducerTimestamp,omitempty"`
	ServerTimestamp              *timestamp `json:"ServerTimestamp"`
	FragmentLengthInMilliseconds int64      `json:"FragmentLengthInMilliseconds"`
}

type listFragmentsOutput struct {
	Fragments []fragmentOut `json:"Fragments"`
	NextToken string        `json:"NextToken,omitempty"`
}

func (a *API) listFragments(r *http.Request, in *listFragmentsInput) (*listFragmentsOutput, error) {
	c, err := a.camera(in.streamRef)
	if err != nil {
		return nil, err
	}
	limit := int64(1000)
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 1000 {
			return nil, invalid("MaxResults %d is not between 1 and 1000", *in.MaxResults)
		}
		limit = *in.MaxResults
	}
	var tr timeRange
	var after uint64
	switch {
	case in.NextToken != "":
		if tr, after, err = parseToken(in.NextToken); err != nil {
			return nil, err
		}
	case in.FragmentSelector != nil:
		if tr, err = in.FragmentSelector.check("FragmentSelector"); err != nil {
			return nil, err
		}
	default:
		tr.end = a.now().Add(24 * time.Hour) // every fragment
	}
	frs, err := a.starting(c.Name, tr, after, int(limit)+1)
	if err != nil {
		return nil, err
	}
	out := &listFragmentsOutput{Fragments: []fragmentOut{}}
	if len(frs) > int(limit) {
		frs = frs[:limit]
		out.NextToken = token(tr, frs[len(frs)-1].Number)
	}
	for _, f := range frs {
		out.Fragments = append(out.Fragments, fragmentOut{FragmentNumber: strconv.FormatUint(f.Number, 10), FragmentSizeInBytes: f.Size,
			ProducerTimestamp: stamp(f.Producer), ServerTimestamp: stamp(f.Server), FragmentLengthInMilliseconds: f.Duration.Milliseconds()})
	}
	return out, nil
}

// token is a NextToken: the selector and the last number listed, so that
// the next page needs no selector (base64 of "v1 S|P start end after").
func token(tr timeRange, after uint64) string {
	kind := "S"
	if tr.producer {
		kind = "P"
	}
	s := fmt.Sprintf("v1 %s %d %d %d", kind, tr.start.UnixNano(), tr.end.UnixNano(), after)
	return base64.StdEncoding.EncodeToString([]byte(s))
}

func parseToken(t string) (timeRange, uint64, error) {
	var tr timeRange
	bad := invalid("NextToken is not one this API gave")
	b, err := base64.StdEncoding.DecodeString(t)
	if err != nil {
		return tr, 0, bad
	}
	f := strings.Fields(string(b))
	if len(f) != 5 || f[0] != "v1" || (f[1] != "S" && f[1] != "P") {
		return tr, 0, bad
	}
	start, err1 := strconv.ParseInt(f[2], 10, 64)
	end, err2 := strconv.ParseInt(f[3], 10, 64)
	after, err3 := strconv.ParseUint(f[4], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return tr, 0, bad
	}
	return timeRange{producer: f[1] == "P", start: time.Unix(0, start).UTC(), end: time.Unix(0, end).UTC()}, after, nil
}
