package operator

import (
	"slices"
	"sort"
)

// addSession puts the row into its group's session: the earliest open one it falls within
// the gap of (and within the maximum length with), else a new one; a session the row
// brings within the gap of its neighbour is merged with it. A session closes when the
// watermarks holding it pass its end, its last row's time plus the gap (or its first
// row's plus the maximum length, if sooner). A row whose own session of one row would
// already be closed for its key — its time plus the gap at or before the key's watermark
// — is late.
func (r *Runner) addSession(k *keyRec, ts int64, c *rowCtx) error {
	gap := int64(r.q.Window.Gap)
	if r.eventWindows && ts+gap <= k.wm {
		r.late(c)
		return nil
	}
	grp := r.findGroup(false)
	if grp == nil {
		if len(r.groups.index) >= r.lim.MaxGroups {
			return r.refuse("more than %d groups with open sessions", r.lim.MaxGroups)
		}
		grp = r.findGroup(true)
	}
	var s *win
	for _, x := range grp.wins {
		if x.start-gap < ts && ts < x.last+gap && r.fits(min(x.start, ts), max(x.last, ts)) {
			s = x
			break
		}
	}
	if s == nil {
		at := sort.Search(len(grp.wins), func(i int) bool { return grp.wins[i].start > ts })
		s = r.newWin(grp, at, ts, r.sessionEnd(ts, ts))
		s.last = ts
	} else if ts < s.start || ts > s.last {
		s.start, s.last = min(s.start, ts), max(s.last, ts)
		s.end = r.sessionEnd(s.start, s.last)
		sortSessions(grp.wins)
	}
	for i, a := range s.accs {
		a.Add(r.groups.args[i], ts)
	}
	s = r.mergeSessions(grp, s)
	r.hold(s, k)
	r.changed(s)
	return nil
}

// fits reports whether a session from first to last stays shorter than the maximum length.
func (r *Runner) fits(first, last int64) bool {
	m := int64(r.q.Window.MaxLength)
	return m == 0 || last-first < m
}

func (r *Runner) sessionEnd(first, last int64) int64 {
	w := r.q.Window
	end := last + int64(w.Gap)
	if w.MaxLength > 0 {
		end = min(end, first+int64(w.MaxLength))
	}
	return end
}

func sortSessions(wins []*win) {
	slices.SortFunc(wins, func(a, b *win) int {
		if a.start != b.start {
			return compareTimes(a.start, b.start)
		}
		return compareIDs(a.id, b.id)
	})
}

func compareTimes(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// mergeSessions merges s with its neighbours while they are within the gap of each other
// (and the maximum length allows), and returns the session that holds them.
func (r *Runner) mergeSessions(grp *group, s *win) *win {
	gap := int64(r.q.Window.Gap)
	for {
		i := slices.Index(grp.wins, s)
		switch {
		case i+1 < len(grp.wins) && grp.wins[i+1].start < s.last+gap && r.fits(s.start, max(s.last, grp.wins[i+1].last)):
			r.mergeSession(s, grp.wins[i+1])
		case i > 0 && s.start < grp.wins[i-1].last+gap && r.fits(grp.wins[i-1].start, max(s.last, grp.wins[i-1].last)):
			p := grp.wins[i-1]
			r.mergeSession(p, s)
			s = p
		default:
			return s
		}
	}
}

// mergeSession merges session b into a: a takes b's rows and the watermarks b waited for.
func (r *Runner) mergeSession(a, b *win) {
	for i, acc := range a.accs {
		_ = acc.Merge(b.accs[i]) // accumulators of one call always merge
	}
	a.start, a.last = min(a.start, b.start), max(a.last, b.last)
	a.end = r.sessionEnd(a.start, a.last)
	a.pending += b.pending
	b.merged, b.accs = a, nil
	grp := a.grp
	i := slices.Index(grp.wins, b)
	grp.wins = slices.Delete(grp.wins, i, i+1)
	r.mem -= r.winBytes()
	r.stats.SessionsMerged++
}
