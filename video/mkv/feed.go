package mkv

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/tidegate/tidegate/video/fragments"
)

// Feed writes a follower's fragments as one Matroska stream, the GetMedia
// shape: each fragment followed by its tags (FragmentTags, how far behind
// now it is, and the number to go on from), then new fragments as they
// are stored, until the first fragment that starts at or after end (zero:
// none), ctx ends or the store closes, which all return nil. flush runs
// after each fragment. A fragment that is damaged or cannot be read is
// left out and logged; an error writing to w is returned, with the
// fragment half written.
func Feed(ctx context.Context, w io.Writer, flush func(), f *fragments.Follower, end time.Time, app string, log *slog.Logger) error {
	mw := NewWriter(w, app)
	for {
		m, err := f.Next(ctx)
		switch {
		case errors.Is(err, fragments.ErrCorrupt):
			log.Warn("media feed: a damaged fragment is left out", "err", err)
			continue
		case err != nil && (errors.Is(err, fragments.ErrClosed) || ctx.Err() != nil):
			return nil
		case err != nil:
			return err
		case !end.IsZero() && !m.Server.Before(end):
			return nil
		}
		tags := append(FragmentTags(m.Number, m.Server, m.Producer),
			Tag{TagMillisBehindNow, strconv.FormatInt(max(0, time.Since(m.End()).Milliseconds()), 10)},
			Tag{TagContinuationToken, strconv.FormatUint(m.Number+1, 10)})
		err = mw.WriteFragment(m.Init, m.Data, m.Server, tags)
		if errors.Is(err, ErrMalformed) {
			log.Warn("media feed: a fragment that cannot be read is left out", "camera", m.Camera, "fragment", m.Number, "err", err)
			continue
		}
		if err != nil {
			return err
		}
		flush()
	}
}
