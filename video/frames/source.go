package frames

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/tidegate/tidegate/video/fragments"
)

// listPage is how many fragments one index read lists.
const listPage = 64

// liveGrace is how long past End a live request waits for the fragments
// that began before End (a fragment is durable only when it ends).
const liveGrace = 10 * time.Second

// each calls fn for each fragment that may hold frames of the request,
// in order: first those the store holds, then, for a live request, new
// ones as they become durable, until End has passed; caughtUp runs
// between the two, before the wait for new ones. A fragment that
// retention deleted meanwhile is skipped; one whose bytes fail their
// checksum is logged and skipped.
func (e *Extractor) each(ctx context.Context, req *Request, fn func(m *fragments.Media, live bool) error, caughtUp func() error) error {
	q := fragments.Query{Start: req.Start, End: req.End, Limit: listPage}
	if req.ByProducer {
		q.Start = req.Start.Add(-ProducerSkew)
		if !req.End.IsZero() {
			q.End = req.End.Add(ProducerSkew)
		}
	}
	var last uint64
	for {
		q.After = last
		frs, err := e.Store.Fragments(req.Camera, q)
		if err != nil {
			return err
		}
		for _, f := range frs {
			last = f.Number
			m, err := e.Store.ReadFragment(req.Camera, f.Number)
			if e.skip(err, req.Camera, f.Number) {
				continue
			}
			if err != nil {
				return err
			}
			if err := fn(m, false); err != nil {
				return err
			}
		}
		if len(frs) < listPage {
			break
		}
	}
	if !req.End.IsZero() && !e.now().Before(req.End) {
		return nil
	}
	if err := caughtUp(); err != nil {
		return err
	}
	return e.follow(ctx, req, last, fn)
}

// follow reads the fragments after last as they are stored.
func (e *Extractor) follow(ctx context.Context, req *Request, last uint64, fn func(*fragments.Media, bool) error) error {
	start := fragments.Start{Number: last + 1}
	if last == 0 {
		start = fragments.Start{Now: true}
	}
	f, err := e.Store.Follow(req.Camera, start)
	if err != nil {
		return err
	}
	if !req.End.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, req.End.Add(liveGrace))
		defer cancel()
	}
	for {
		m, err := f.Next(ctx)
		switch {
		case errors.Is(err, context.DeadlineExceeded) && !req.End.IsZero() && !e.now().Before(req.End):
			return nil // End has passed
		case e.skip(err, req.Camera, f.Position()-1):
			continue
		case err != nil:
			return err
		case !req.End.IsZero() && !req.ByProducer && !m.Server.Before(req.End):
			return nil
		}
		if err := fn(m, true); err != nil {
			return err
		}
	}
}

// skip says whether a read error leaves the fragment out rather than
// ending the extraction.
func (e *Extractor) skip(err error, camera string, number uint64) bool {
	switch {
	case errors.Is(err, fragments.ErrNotFound):
		return true // deleted by retention meanwhile
	case errors.Is(err, fragments.ErrCorrupt):
		e.logger().Warn("frames: a damaged fragment is left out", "camera", camera, "fragment", number, "err", err)
		return true
	}
	return false
}

func (e *Extractor) now() time.Time {
	if e.Clock != nil {
		return e.Clock()
	}
	return time.Now()
}

func (e *Extractor) logger() *slog.Logger {
	if e.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Logger
}
