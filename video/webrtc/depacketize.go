package webrtc

import (
	"errors"
	"fmt"
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/pion/rtp"

	"github.com/tidegate/tidegate/video/fragments"
)

// Track ids of a published session's tracks in the store.
const (
	videoTrackID = 1
	audioTrackID = 2
)

// errTiming: a frame's decode time could not be worked out; the video
// track waits for its next keyframe.
var errTiming = errors.New("video timing")

// depacketizer turns one incoming track's RTP packets into frames, with
// their times on the session's clock. One goroutine feeds it, in order.
type depacketizer struct {
	id    int
	clock int64
	h264  *h264Depacketizer // nil for audio, whose packet is its frame

	started bool
	last    uint32        // the RTP timestamp of the last packet
	ext     int64         // the last packet's timestamp, extended, since the first
	offset  time.Duration // when the first packet came, on the session's clock
	wall    *wallClock    // the publisher's clock, from its sender reports
}

// wallClock ties a track's RTP time to the publisher's clock (RTCP SR).
type wallClock struct {
	ntp time.Time
	rtp uint32
}

type h264Depacketizer struct {
	dec      *rtph264.Decoder
	dts      *h264.DTSExtractor // nil until a keyframe
	sps, pps []byte
}

func newDepacketizer(id int, codec fragments.Codec) (*depacketizer, error) {
	switch c := codec.(type) {
	case fragments.H264:
		dec := &rtph264.Decoder{PacketizationMode: 1}
		if err := dec.Init(); err != nil {
			return nil, err
		}
		return &depacketizer{id: id, clock: 90000, h264: &h264Depacketizer{dec: dec, sps: c.SPS, pps: c.PPS}}, nil
	case fragments.Opus:
		return &depacketizer{id: id, clock: 48000}, nil
	case fragments.G711:
		return &depacketizer{id: id, clock: 8000}, nil
	}
	return nil, fmt.Errorf("webrtc: no depacketizer for %v", codec)
}

// packet takes a packet that came sinceBegin after the session began,
// and returns the frames it completes. An error drops what the packet
// carried (a video track then waits for its next keyframe); the next
// packets go on. Everything in a packet is the publisher's: a panic in a
// parser is an error here, and the track starts over.
func (d *depacketizer) packet(pkt *rtp.Packet, sinceBegin time.Duration) (frames []fragments.Frame, err error) {
	defer func() {
		if r := recover(); r != nil {
			frames, err = nil, fmt.Errorf("depacketizer failed on a packet: %v", r)
			if d.h264 != nil {
				dec := &rtph264.Decoder{PacketizationMode: 1}
				dec.Init()
				d.h264.dec, d.h264.dts = dec, nil
			}
		}
	}()
	if len(pkt.Payload) == 0 {
		return nil, nil // padding only: a sender probing the bandwidth
	}
	if !d.started {
		d.started, d.last, d.offset = true, pkt.Timestamp, sinceBegin
	}
	d.ext += int64(int32(pkt.Timestamp - d.last))
	d.last = pkt.Timestamp
	var producer time.Time
	if d.wall != nil {
		producer = d.wall.ntp.Add(ticks(int64(int32(pkt.Timestamp-d.wall.rtp)), d.clock))
	}
	if d.h264 == nil {
		at := d.offset + ticks(d.ext, d.clock)
		return []fragments.Frame{{Track: d.id, DTS: at, PTS: at, Payload: clone(pkt.Payload), Producer: producer}}, nil
	}
	au, dts, err := d.h264.decode(pkt, d.ext)
	if err != nil || au == nil {
		return nil, err
	}
	// One copy: the access unit shares the packet's buffer.
	n := 0
	for _, nalu := range au {
		n += len(nalu)
	}
	buf := make([]byte, 0, n)
	nalus := make([][]byte, len(au))
	for i, nalu := range au {
		buf = append(buf, nalu...)
		nalus[i] = buf[len(buf)-len(nalu):]
	}
	return []fragments.Frame{{Track: d.id, DTS: d.offset + ticks(dts, d.clock), PTS: d.offset + ticks(d.ext, d.clock),
		NALUs: nalus, Producer: producer}}, nil
}

// needsKeyframe says whether the video track waits for a keyframe (after
// it began, or after an error), for which the publisher is asked.
func (d *depacketizer) needsKeyframe() bool { return d.h264 != nil && d.h264.dts == nil }

// senderReport sets the track's wall clock.
func (d *depacketizer) senderReport(ntp uint64, rtpTime uint32) {
	d.wall = &wallClock{ntp: ntpTime(ntp), rtp: rtpTime}
}

// decode returns the access unit a packet completes, and its decode time
// from its presentation time pts (in 90 kHz ticks), or nil.
func (t *h264Depacketizer) decode(pkt *rtp.Packet, pts int64) ([][]byte, int64, error) {
	au, err := t.dec.Decode(pkt)
	if errors.Is(err, rtph264.ErrMorePacketsNeeded) || errors.Is(err, rtph264.ErrNonStartingPacketAndNoPrevious) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("h264: %w", err)
	}
	kept := au[:0]
	for _, n := range au {
		if len(n) > 0 {
			kept = append(kept, n)
		}
	}
	if au = kept; len(au) == 0 {
		return nil, 0, nil
	}
	hasSPS := false
	for _, n := range au {
		switch h264.NALUType(n[0] & 0x1f) {
		case h264.NALUTypeSPS:
			t.sps, hasSPS = clone(n), true
		case h264.NALUTypePPS:
			t.pps = clone(n)
		}
	}
	key := h264.IsRandomAccess(au)
	if t.dts == nil {
		if !key {
			return nil, 0, nil // joined half way through a GOP
		}
		t.dts = &h264.DTSExtractor{}
		t.dts.Initialize()
	}
	// The extractor needs the SPS, which the offer may have given alone.
	in := au
	if key && !hasSPS && t.sps != nil && t.pps != nil {
		in = append([][]byte{t.sps, t.pps}, au...)
	}
	dts, err := t.dts.Extract(in, pts)
	if err != nil {
		t.dts = nil
		return nil, 0, fmt.Errorf("%w: h264: %v", errTiming, err)
	}
	return au, dts, nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// ticks converts clock ticks to a duration without overflow.
func ticks(v, clock int64) time.Duration {
	return time.Duration(v/clock)*time.Second + time.Duration(v%clock)*time.Second/time.Duration(clock)
}

// ntpTime reads an NTP timestamp (RFC 3550): seconds since 1900 in the
// high 32 bits, the fraction of a second in the low 32.
func ntpTime(v uint64) time.Time {
	const unixFrom1900 = 2208988800
	frac := (v & 0xffffffff) * uint64(time.Second) >> 32
	return time.Unix(int64(v>>32)-unixFrom1900, int64(frac)).UTC()
}
