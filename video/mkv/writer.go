package mkv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
)

// ErrMalformed is a fragment or init segment the writer cannot read;
// nothing of it was written.
var ErrMalformed = errors.New("malformed fragment")

// Tag is a SimpleTag of a fragment's Tags element.
type Tag struct{ Name, Value string }

// Writer writes fragments as one Matroska stream. It is not safe for
// concurrent use.
type Writer struct {
	w      io.Writer
	app    string
	init   []byte // of the current Segment
	tracks []track
	next   int64 // ms: where the previous fragment's media ended
	buf    []byte
}

// NewWriter returns a Writer to w; app names the muxing application in
// the Info element.
func NewWriter(w io.Writer, app string) *Writer { return &Writer{w: w, app: app} }

// block is one sample on its way into a cluster.
type block struct {
	track   *track
	dts     int64 // ns, relative to the lead track's first decode time
	pts     int64 // ms, absolute
	end     int64 // ms: pts plus the sample's duration
	key     bool
	payload []byte
}

// WriteFragment writes a fragment: init is its init segment, data its
// moof and mdat, server its server time; tags follow its cluster. The
// fragment is written with one Write, so that a consumer never sees half
// of one; a fragment that does not parse is refused whole, and nothing of
// it is written.
func (w *Writer) WriteFragment(init, data []byte, server time.Time, tags []Tag) error {
	b := w.buf[:0]
	if !bytes.Equal(init, w.init) {
		tracks, tracksElem, err := trackEntries(init)
		if err != nil {
			return fmt.Errorf("mkv: %w: %w", ErrMalformed, err)
		}
		b = w.appendHeader(b, tracksElem)
		w.init, w.tracks = bytes.Clone(init), tracks
	}
	blocks, err := w.blocks(data, server)
	if err != nil {
		return fmt.Errorf("mkv: %w: %w", ErrMalformed, err)
	}
	b = appendClusters(b, blocks)
	b = appendTags(b, tags)
	w.buf = b
	_, err = w.w.Write(b)
	return err
}

// appendHeader starts a Matroska document: EBML header, a Segment of
// unknown size, Info and Tracks.
func (w *Writer) appendHeader(b, tracks []byte) []byte {
	h := appendUint(nil, idEBMLVersion, 1)
	h = appendUint(h, idEBMLReadVersion, 1)
	h = appendUint(h, idEBMLMaxIDLength, 4)
	h = appendUint(h, idEBMLMaxSizeLength, 8)
	h = appendString(h, idDocType, "matroska")
	h = appendUint(h, idDocTypeVersion, 4)
	h = appendUint(h, idDocTypeReadVersion, 2)
	b = appendElement(b, idEBML, h)
	b = append(appendID(b, idSegment), unknownSize...)
	info := appendUint(nil, idTimestampScale, 1e6)
	info = appendString(info, idMuxingApp, w.app)
	info = appendString(info, idWritingApp, w.app)
	b = appendElement(b, idInfo, info)
	return append(b, tracks...)
}

// blocks reads a fragment's samples and places them on the stream's
// millisecond timeline, in decode order.
func (w *Writer) blocks(data []byte, server time.Time) ([]block, error) {
	var parts fmp4.Parts
	if err := parts.Unmarshal(data); err != nil {
		return nil, err
	}
	var pts []*fmp4.PartTrack
	for _, p := range parts {
		pts = append(pts, p.Tracks...)
	}
	byID := map[int]*track{}
	for i := range w.tracks {
		byID[w.tracks[i].id] = &w.tracks[i]
	}
	// The lead track (the first video track with samples, else the
	// first track with samples) sets the fragment's time zero.
	var lead *fmp4.PartTrack
	for _, pt := range pts {
		t := byID[pt.ID]
		if t == nil {
			return nil, fmt.Errorf("track %d is not in the init segment", pt.ID)
		}
		if len(pt.Samples) > 0 && (lead == nil || (t.video && !byID[lead.ID].video)) {
			lead = pt
		}
	}
	if lead == nil {
		return nil, nil
	}
	zero := nanos(lead.BaseTime, byID[lead.ID].timescale)
	start := max(server.UnixMilli(), w.next)
	var out []block
	for _, pt := range pts {
		t := byID[pt.ID]
		dts := pt.BaseTime
		for _, s := range pt.Samples {
			d := nanos(dts, t.timescale) - zero
			p := d + int64(s.PTSOffset)*int64(time.Second)/int64(t.timescale)
			ms := start + roundMillis(p)
			end := start + roundMillis(p+int64(s.Duration)*int64(time.Second)/int64(t.timescale))
			out = append(out, block{track: t, dts: d, pts: ms, end: end, key: !t.video || !s.IsNonSyncSample, payload: s.Payload})
			dts += uint64(s.Duration)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].dts < out[j].dts })
	next := start
	for _, bl := range out {
		next = max(next, bl.end)
	}
	w.next = next
	return out, nil
}

// nanos converts ticks of a timescale to nanoseconds without overflow
// for any media time below 292 years.
func nanos(ticks uint64, timescale uint32) int64 {
	ts := uint64(timescale)
	return int64(ticks/ts)*int64(time.Second) + int64(ticks%ts*uint64(time.Second)/ts)
}

func roundMillis(ns int64) int64 {
	if ns < 0 {
		return -((-ns + 500_000) / 1_000_000)
	}
	return (ns + 500_000) / 1_000_000
}

// appendClusters appends the blocks as clusters: one, unless a block lies
// beyond the ±32 s a block's 16-bit relative timestamp reaches.
func appendClusters(b []byte, blocks []block) []byte {
	var cluster []byte
	var tc int64
	flush := func() {
		if cluster != nil {
			b = appendElement(b, idCluster, cluster)
		}
	}
	for _, bl := range blocks {
		rel := bl.pts - tc
		if cluster == nil || rel < -1<<15 || rel >= 1<<15 {
			flush()
			tc, rel = bl.pts, 0
			cluster = appendUint(make([]byte, 0, 64<<10), idTimestamp, uint64(max(tc, 0)))
		}
		cluster = appendSimpleBlock(cluster, bl, int16(rel))
	}
	flush()
	return b
}

func appendSimpleBlock(b []byte, bl block, rel int16) []byte {
	hdr := appendSize(nil, bl.track.number) // track numbers are written as sizes are
	hdr = binary.BigEndian.AppendUint16(hdr, uint16(rel))
	var flags byte
	if bl.key {
		flags |= 0x80
	}
	hdr = append(hdr, flags)
	b = appendSize(appendID(b, idSimpleBlock), uint64(len(hdr)+len(bl.payload)))
	return append(append(b, hdr...), bl.payload...)
}

// appendTags appends a Tags element whose one Tag (no target: the whole
// segment, as Kinesis Video Streams writes them) holds the tags.
func appendTags(b []byte, tags []Tag) []byte {
	if len(tags) == 0 {
		return b
	}
	tag := appendElement(nil, idTargets, nil)
	for _, t := range tags {
		st := appendString(nil, idTagName, t.Name)
		st = appendString(st, idTagString, t.Value)
		tag = appendElement(tag, idSimpleTag, st)
	}
	return appendElement(b, idTags, appendElement(nil, idTag, tag))
}

// The tags Kinesis Video Streams puts after each fragment of GetMedia and
// GetMediaForFragmentList.
const (
	TagFragmentNumber    = "AWS_KINESISVIDEO_FRAGMENT_NUMBER"
	TagServerTimestamp   = "AWS_KINESISVIDEO_SERVER_TIMESTAMP"
	TagProducerTimestamp = "AWS_KINESISVIDEO_PRODUCER_TIMESTAMP"
	TagMillisBehindNow   = "AWS_KINESISVIDEO_MILLIS_BEHIND_NOW"
	TagContinuationToken = "AWS_KINESISVIDEO_CONTINUATION_TOKEN"
)

// FragmentTags are the tags that name a fragment: its number and its
// server and producer timestamps (seconds since the Unix epoch with
// milliseconds, as Kinesis Video Streams writes them; the producer one
// only when known).
func FragmentTags(number uint64, server, producer time.Time) []Tag {
	tags := []Tag{{TagFragmentNumber, strconv.FormatUint(number, 10)}, {TagServerTimestamp, Timestamp(server)}}
	if !producer.IsZero() {
		tags = append(tags, Tag{TagProducerTimestamp, Timestamp(producer)})
	}
	return tags
}

// Timestamp formats a time as the tags do: "1700000000.123".
func Timestamp(t time.Time) string {
	ms := t.UnixMilli()
	return fmt.Sprintf("%d.%03d", ms/1000, ms%1000)
}
