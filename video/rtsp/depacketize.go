package rtsp

import (
	"errors"
	"fmt"

	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph265"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtplpcm"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtpmjpeg"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtpmpeg4audio"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtpsimpleaudio"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
	"github.com/pion/rtp"

	"github.com/tidegate/tidegate/video/fragments"
)

// unit is an access unit of a track, with its decode and presentation
// times in RTP clock ticks since the session began. Its bytes may share
// the packet's buffer, which the RTSP library reuses: the feed copies
// them before they leave the packet's callback.
type unit struct {
	dts, pts int64
	nalus    [][]byte
	payload  []byte
}

// depacketizer turns a track's RTP packets into access units. It is fed
// one packet at a time, in order, by one goroutine.
type depacketizer interface {
	// decode takes a packet and its presentation time, and returns the
	// access units the packet completes (none while one is incomplete).
	// An error drops what the packet carried; the next packets go on.
	decode(pkt *rtp.Packet, pts int64) ([]unit, error)
}

// errTiming: the decode time of a frame could not be worked out (the
// camera's timestamps went back, or its parameters are not known yet).
// The video track waits for its next keyframe.
var errTiming = errors.New("video timing")

// h264Track depacketizes H.264 (RFC 6184) and works out decode times,
// which differ from presentation times when the camera uses B-frames.
type h264Track struct {
	dec      *rtph264.Decoder
	sps, pps []byte
	dts      *h264.DTSExtractor // nil until a keyframe
}

func newH264(f *format.H264, c fragments.H264) (*h264Track, error) {
	d, err := f.CreateDecoder()
	if err != nil {
		return nil, err
	}
	return &h264Track{dec: d, sps: c.SPS, pps: c.PPS}, nil
}

func (t *h264Track) decode(pkt *rtp.Packet, pts int64) ([]unit, error) {
	au, err := t.dec.Decode(pkt)
	if errors.Is(err, rtph264.ErrMorePacketsNeeded) || errors.Is(err, rtph264.ErrNonStartingPacketAndNoPrevious) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("h264: %w", err)
	}
	if au = nonEmpty(au); len(au) == 0 {
		return nil, nil
	}
	for _, n := range au {
		switch h264.NALUType(n[0] & 0x1f) {
		case h264.NALUTypeSPS:
			t.sps = n
		case h264.NALUTypePPS:
			t.pps = n
		}
	}
	key := h264.IsRandomAccess(au)
	if t.dts == nil {
		if !key {
			return nil, nil // a GOP joined half way
		}
		t.dts = &h264.DTSExtractor{}
		t.dts.Initialize()
	}
	// The extractor needs the SPS, which a camera may send only in the
	// session description.
	in := au
	if key && t.sps != nil && t.pps != nil && !hasNALU(au, func(n []byte) bool { return h264.NALUType(n[0]&0x1f) == h264.NALUTypeSPS }) {
		in = append([][]byte{t.sps, t.pps}, au...)
	}
	dts, err := t.dts.Extract(in, pts)
	if err != nil {
		t.dts = nil
		return nil, fmt.Errorf("%w: h264: %v", errTiming, err)
	}
	return []unit{{dts: dts, pts: pts, nalus: au}}, nil
}

// h265Track is h264Track for H.265 (RFC 7798).
type h265Track struct {
	dec           *rtph265.Decoder
	vps, sps, pps []byte
	dts           *h265.DTSExtractor
}

func newH265(f *format.H265, c fragments.H265) (*h265Track, error) {
	d, err := f.CreateDecoder()
	if err != nil {
		return nil, err
	}
	return &h265Track{dec: d, vps: c.VPS, sps: c.SPS, pps: c.PPS}, nil
}

func h265Type(n []byte) h265.NALUType { return h265.NALUType((n[0] >> 1) & 0x3f) }

func (t *h265Track) decode(pkt *rtp.Packet, pts int64) ([]unit, error) {
	au, err := t.dec.Decode(pkt)
	if errors.Is(err, rtph265.ErrMorePacketsNeeded) || errors.Is(err, rtph265.ErrNonStartingPacketAndNoPrevious) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("h265: %w", err)
	}
	if au = nonEmpty(au); len(au) == 0 {
		return nil, nil
	}
	for _, n := range au {
		switch h265Type(n) {
		case h265.NALUType_VPS_NUT:
			t.vps = n
		case h265.NALUType_SPS_NUT:
			t.sps = n
		case h265.NALUType_PPS_NUT:
			t.pps = n
		}
	}
	key := h265.IsRandomAccess(au)
	if t.dts == nil {
		if !key {
			return nil, nil
		}
		t.dts = &h265.DTSExtractor{}
		t.dts.Initialize()
	}
	in := au
	if key && t.sps != nil && t.pps != nil && !hasNALU(au, func(n []byte) bool { return h265Type(n) == h265.NALUType_SPS_NUT }) {
		in = append([][]byte{t.vps, t.sps, t.pps}, au...)
		in = nonEmpty(in)
	}
	dts, err := t.dts.Extract(in, pts)
	if err != nil {
		t.dts = nil
		return nil, fmt.Errorf("%w: h265: %v", errTiming, err)
	}
	return []unit{{dts: dts, pts: pts, nalus: au}}, nil
}

// mjpegTrack reassembles JPEG pictures (RFC 2435).
type mjpegTrack struct{ dec *rtpmjpeg.Decoder }

func newMJPEG(f *format.MJPEG) (*mjpegTrack, error) {
	d, err := f.CreateDecoder()
	if err != nil {
		return nil, err
	}
	return &mjpegTrack{dec: d}, nil
}

func (t *mjpegTrack) decode(pkt *rtp.Packet, pts int64) ([]unit, error) {
	img, err := t.dec.Decode(pkt)
	if errors.Is(err, rtpmjpeg.ErrMorePacketsNeeded) || errors.Is(err, rtpmjpeg.ErrNonStartingPacketAndNoPrevious) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mjpeg: %w", err)
	}
	if len(img) == 0 {
		return nil, nil
	}
	return []unit{{dts: pts, pts: pts, payload: img}}, nil
}

// aacTrack splits MPEG-4 audio packets (RFC 3640) into access units of
// 1024 samples each.
type aacTrack struct{ dec *rtpmpeg4audio.Decoder }

func newAAC(f *format.MPEG4Audio) (*aacTrack, error) {
	d, err := f.CreateDecoder()
	if err != nil {
		return nil, err
	}
	return &aacTrack{dec: d}, nil
}

func (t *aacTrack) decode(pkt *rtp.Packet, pts int64) ([]unit, error) {
	aus, err := t.dec.Decode(pkt)
	if errors.Is(err, rtpmpeg4audio.ErrMorePacketsNeeded) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("aac: %w", err)
	}
	var out []unit
	for i, au := range aus {
		if len(au) == 0 {
			continue
		}
		t := pts + int64(i)*mpeg4audio.SamplesPerAccessUnit
		out = append(out, unit{dts: t, pts: t, payload: au})
	}
	return out, nil
}

// opusTrack takes one Opus packet per RTP packet (RFC 7587).
type opusTrack struct{ dec *rtpsimpleaudio.Decoder }

func newOpus(f *format.Opus) (*opusTrack, error) {
	d, err := f.CreateDecoder()
	if err != nil {
		return nil, err
	}
	return &opusTrack{dec: d}, nil
}

func (t *opusTrack) decode(pkt *rtp.Packet, pts int64) ([]unit, error) {
	b, err := t.dec.Decode(pkt)
	if err != nil {
		return nil, fmt.Errorf("opus: %w", err)
	}
	if len(b) == 0 {
		return nil, nil
	}
	return []unit{{dts: pts, pts: pts, payload: b}}, nil
}

// g711Track takes the G.711 samples of each packet (RFC 3551).
type g711Track struct{ dec *rtplpcm.Decoder }

func newG711(f *format.G711) (*g711Track, error) {
	d, err := f.CreateDecoder()
	if err != nil {
		return nil, err
	}
	return &g711Track{dec: d}, nil
}

func (t *g711Track) decode(pkt *rtp.Packet, pts int64) ([]unit, error) {
	b, err := t.dec.Decode(pkt)
	if err != nil {
		return nil, fmt.Errorf("g711: %w", err)
	}
	if len(b) == 0 {
		return nil, nil
	}
	return []unit{{dts: pts, pts: pts, payload: b}}, nil
}

// nonEmpty drops empty NAL units, which a hostile packet can make and the
// store refuses.
func nonEmpty(au [][]byte) [][]byte {
	out := au[:0:0]
	for _, n := range au {
		if len(n) > 0 {
			out = append(out, n)
		}
	}
	return out
}

func hasNALU(au [][]byte, is func([]byte) bool) bool {
	for _, n := range au {
		if is(n) {
			return true
		}
	}
	return false
}
