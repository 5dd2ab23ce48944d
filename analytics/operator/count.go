package operator

// addCount puts the row into its group's count windows: one opens every slide rows and
// closes, written, once it has taken its n rows. Rows count in the order they arrive. A
// count window has no watermark: no row is late for it, and one not yet full waits for
// its rows however long (an idle timeout does not close it, nor does the end of a finite
// input). window_start and window_end are the earliest and latest times of its rows.
func (r *Runner) addCount(ts int64, timed bool) error {
	grp := r.findGroup(false)
	if grp == nil {
		if len(r.groups.index) >= r.lim.MaxGroups {
			return r.refuse("more than %d groups with open count windows", r.lim.MaxGroups)
		}
		grp = r.findGroup(true)
	}
	if grp.count%r.countSlide() == 0 {
		r.newWin(grp, len(grp.wins), 0, 0)
	}
	grp.count++
	for _, x := range grp.wins {
		for i, a := range x.accs {
			a.Add(r.groups.args[i], ts)
		}
		x.rows++
		if timed {
			if !x.timed {
				x.start, x.end, x.timed = ts, ts, true
			}
			x.start, x.end = min(x.start, ts), max(x.end, ts)
		}
		r.changed(x)
	}
	for len(grp.wins) > 0 && grp.wins[0].rows >= r.q.Window.Rows {
		r.closeWin(grp.wins[0])
	}
	return nil
}
