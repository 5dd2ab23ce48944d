package webrtc

import (
	"math/rand/v2"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"github.com/tidegate/tidegate/video/fragments"
)

// rtpPayloadSize keeps packets under the path MTU with room for the SRTP
// and TURN overheads a browser may add.
const rtpPayloadSize = 1200

// packetizer turns one outgoing track's frames into RTP packets whose
// sequence numbers and timestamps run on across the camera's sessions,
// whose times each start again from zero: a viewer stays through a
// publisher's reconnect.
type packetizer struct {
	clock  int64
	h264   *codecs.H264Payloader // nil for audio
	g711   bool                  // a frame of samples may take more than a packet
	seq    uint16
	offset int64  // ticks added to the current session's presentation times
	last   int64  // the last timestamp sent, offset included
	fresh  bool   // a new session: its first frame sets offset
	step   uint32 // a frame's ticks, to leave between two sessions
}

// newPacketizer packetizes H.264, Opus or G.711 (8 kHz, one channel).
func newPacketizer(codec fragments.Codec) *packetizer {
	p := &packetizer{seq: uint16(rand.Uint32()), fresh: true, last: int64(rand.Uint32() >> 1)}
	switch codec.(type) {
	case fragments.H264:
		p.clock, p.h264 = 90000, &codecs.H264Payloader{}
		p.step = uint32(p.clock / 25)
	case fragments.G711:
		p.clock, p.g711 = 8000, true
		p.step = uint32(p.clock / 50)
	default:
		p.clock = 48000
		p.step = uint32(p.clock / 50)
	}
	return p
}

// newSession makes the next frame's time follow the last one sent.
func (p *packetizer) newSession() { p.fresh = true }

// packets returns a frame's RTP packets (payload type and SSRC are the
// track's binding's). params are the SPS and PPS that an H.264 keyframe
// without them in band is sent with.
func (p *packetizer) packets(f *fragments.Frame, params [][]byte) []*rtp.Packet {
	pts := int64(f.PTS/time.Second)*p.clock + int64(f.PTS%time.Second)*p.clock/int64(time.Second)
	if p.fresh {
		p.offset, p.fresh = p.last+int64(p.step)-pts, false
	}
	ts := pts + p.offset
	var payloads [][]byte
	switch {
	case p.h264 != nil:
		payloads = p.h264.Payload(rtpPayloadSize, annexB(f.NALUs, params))
	case p.g711:
		for b := f.Payload; len(b) > 0; {
			n := min(len(b), rtpPayloadSize)
			payloads, b = append(payloads, b[:n]), b[n:]
		}
	default:
		payloads = [][]byte{f.Payload}
	}
	out := make([]*rtp.Packet, len(payloads))
	for i, pl := range payloads {
		out[i] = &rtp.Packet{Header: rtp.Header{Version: 2, Marker: i == len(payloads)-1 && p.h264 != nil,
			SequenceNumber: p.seq, Timestamp: uint32(ts)}, Payload: pl}
		p.seq++
		if p.g711 {
			ts += int64(len(pl)) // a sample a byte
		}
	}
	p.last = max(p.last, ts)
	return out
}

// annexB joins an access unit's NALUs with start codes, leaving out
// access unit delimiters, and puts params before an IDR that lacks them.
func annexB(nalus [][]byte, params [][]byte) []byte {
	idr, hasSPS := false, false
	n := 0
	for _, nalu := range nalus {
		switch h264.NALUType(nalu[0] & 0x1f) {
		case h264.NALUTypeIDR:
			idr = true
		case h264.NALUTypeSPS:
			hasSPS = true
		}
		n += 4 + len(nalu)
	}
	var out []byte
	if idr && !hasSPS {
		for _, p := range params {
			out = append(out, 0, 0, 0, 1)
			out = append(out, p...)
		}
	}
	out = append(make([]byte, 0, len(out)+n), out...)
	for _, nalu := range nalus {
		if h264.NALUType(nalu[0]&0x1f) == h264.NALUTypeAccessUnitDelimiter {
			continue
		}
		out = append(out, 0, 0, 0, 1)
		out = append(out, nalu...)
	}
	return out
}
