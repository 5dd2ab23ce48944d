package kvsapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
	"github.com/tidegate/tidegate/video/fragments"
	"github.com/tidegate/tidegate/video/mkv"
)

// maxClipRange is how far apart GetClip's timestamps may be, as in Kinesis
// Video Streams.
const maxClipRange = 24 * time.Hour

type getClipInput struct {
	streamRef
	ClipFragmentSelector *selector `json:"ClipFragmentSelector"`
}

// getClip answers with a progressive MP4 (video/mp4) of the fragments that
// start in the range. The sample tables are built before anything is
// sent; a read that fails after the MP4 began aborts the connection.
func (a *API) getClip(w http.ResponseWriter, r *http.Request, _ awsjson.Codec, in *getClipInput) error {
	c, err := a.camera(in.streamRef)
	if err != nil {
		return err
	}
	if in.ClipFragmentSelector == nil {
		return invalid("ClipFragmentSelector is required")
	}
	tr, err := in.ClipFragmentSelector.check("ClipFragmentSelector")
	if err != nil {
		return err
	}
	if tr.end.Sub(tr.start) > maxClipRange {
		return invalid("The EndTimestamp must be within 24 hours of the StartTimestamp")
	}
	frs, err := a.starting(c.Name, tr, 0, 0)
	if err != nil {
		return err
	}
	if len(frs) == 0 {
		return notFound("No fragments found in the stream for the clip request")
	}
	mw := &mediaWriter{w: w, contentType: "video/mp4"}
	if _, err := a.Store.WriteFragmentsClip(r.Context(), mw, c.Name, frs); err != nil {
		if !mw.started {
			return err
		}
		panic(http.ErrAbortHandler) // half a clip is on the wire
	}
	return nil
}

// mediaWriter sends the answer's headers with its first bytes.
type mediaWriter struct {
	w           http.ResponseWriter
	contentType string
	started     bool
}

func (m *mediaWriter) Write(b []byte) (int, error) {
	m.start()
	return m.w.Write(b)
}

func (m *mediaWriter) start() {
	if !m.started {
		m.started = true
		m.w.Header().Set("Content-Type", m.contentType)
		m.w.WriteHeader(http.StatusOK)
	}
}

func (m *mediaWriter) flush() { http.NewResponseController(m.w).Flush() }

// contentTypeMKV is what Kinesis Video Streams names its Matroska answers.
const contentTypeMKV = "video/webm"

type getMediaForFragmentListInput struct {
	streamRef
	Fragments []string `json:"Fragments"`
}

// getMediaForFragmentList answers with the fragments, in the order asked,
// as one Matroska stream with their tags. Every fragment is looked up
// before anything is sent: one that does not exist (or that retention
// deleted) is a ResourceNotFoundException.
func (a *API) getMediaForFragmentList(w http.ResponseWriter, r *http.Request, _ awsjson.Codec, in *getMediaForFragmentListInput) error {
	c, err := a.camera(in.streamRef)
	if err != nil {
		return err
	}
	if len(in.Fragments) < 1 || len(in.Fragments) > 1000 {
		return invalid("Fragments must hold 1 to 1000 fragment numbers, not %d", len(in.Fragments))
	}
	frs := make([]fragments.Fragment, len(in.Fragments))
	for i, s := range in.Fragments {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 {
			return invalid("Fragments[%d] %q is not a fragment number", i, awsjson.Truncate(s, 140))
		}
		if frs[i], err = a.Store.Fragment(c.Name, n); err != nil {
			return notFound("Fragment %s of stream %s is not found", s, c.Name)
		}
	}
	mw := &mediaWriter{w: w, contentType: contentTypeMKV}
	out := mkv.NewWriter(mw, a.App)
	for _, f := range frs {
		m, err := a.Store.ReadFragment(c.Name, f.Number)
		if err != nil {
			if !mw.started {
				return err
			}
			a.logger().Warn("kinesisvideo: GetMediaForFragmentList: a fragment left out", "stream", c.Name, "fragment", f.Number, "err", err)
			continue
		}
		if err := out.WriteFragment(m.Init, m.Data, m.Server, mkv.FragmentTags(m.Number, m.Server, m.Producer)); err != nil {
			if !mw.started {
				return err
			}
			panic(http.ErrAbortHandler)
		}
	}
	mw.start()
	return nil
}

type getMediaInput struct {
	streamRef
	StartSelector *struct {
		StartSelectorType   string     `json:"StartSelectorType"`
		AfterFragmentNumber string     `json:"AfterFragmentNumber"`
		StartTimestamp      *timestamp `json:"StartTimestamp"`
		ContinuationToken   string     `json:"ContinuationToken"`
	} `json:"StartSelector"`
}

// getMedia is GetMedia: the fragments from the start selected, then new
// ones as they are stored, as one Matroska stream with the tags
// (continuation token included) after each, for as long as the client
// reads. A PRODUCER_TIMESTAMP start is taken on the gateway's clock.
func (a *API) getMedia(w http.ResponseWriter, r *http.Request, _ awsjson.Codec, in *getMediaInput) error {
	c, err := a.camera(in.streamRef)
	if err != nil {
		return err
	}
	sel := in.StartSelector
	if sel == nil {
		return invalid("StartSelector is required")
	}
	var start fragments.Start
	number := func(s, what string) error {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 {
			return invalid("%s %q is not a fragment number", what, awsjson.Truncate(s, 140))
		}
		start.Number = n
		return nil
	}
	switch sel.StartSelectorType {
	case "FRAGMENT_NUMBER":
		err = number(sel.AfterFragmentNumber, "AfterFragmentNumber")
	case "CONTINUATION_TOKEN":
		err = number(sel.ContinuationToken, "ContinuationToken")
	case "SERVER_TIMESTAMP", "PRODUCER_TIMESTAMP":
		if sel.StartTimestamp == nil {
			return invalid("StartTimestamp is required for %s", sel.StartSelectorType)
		}
		start.Time = sel.StartTimestamp.Time
	case "NOW":
		start.Now = true
	case "EARLIEST":
		start.Earliest = true
	default:
		return invalid("StartSelectorType %q is not one of FRAGMENT_NUMBER, SERVER_TIMESTAMP, PRODUCER_TIMESTAMP, NOW, EARLIEST, CONTINUATION_TOKEN",
			awsjson.Truncate(sel.StartSelectorType, 100))
	}
	if err != nil {
		return err
	}
	f, err := a.Store.Follow(c.Name, start)
	if err != nil {
		return err
	}
	mw := &mediaWriter{w: w, contentType: contentTypeMKV}
	mw.start()
	mw.flush()
	if err := mkv.Feed(r.Context(), mw, mw.flush, f, time.Time{}, a.App, a.logger().With("stream", c.Name)); err != nil && r.Context().Err() == nil {
		panic(http.ErrAbortHandler)
	}
	return nil
}
