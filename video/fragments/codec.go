package fragments

import (
	"bytes"
	"fmt"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4"
)

// Codec describes a track's coding and its parameters: H264, H265, MJPEG,
// AAC, Opus or G711. A change of parameters (Recorder.SetTracks, or new
// SPS/PPS/VPS in a keyframe) starts a new init segment.
type Codec interface {
	// String names the codec as ffprobe does: "h264", "aac" …
	String() string
	mp4() (mp4.Codec, uint32, error) // the init segment's codec and timescale
}

// H264 video. SPS and PPS may be empty when the session description lacks
// them: the recorder then takes them from the first keyframe that carries
// them in band.
type H264 struct{ SPS, PPS []byte }

// H265 video, with the same rule for VPS, SPS and PPS.
type H265 struct{ VPS, SPS, PPS []byte }

// MJPEG video: every frame is a JPEG and a keyframe.
type MJPEG struct{ Width, Height int }

// AAC audio (MPEG-4 audio), with its AudioSpecificConfig as sent in the
// SDP's config= parameter.
type AAC struct{ Config []byte }

// Opus audio, 48 kHz.
type Opus struct{ Channels int }

// G711 audio (PCMU when MuLaw, else PCMA), stored as 16-bit big-endian
// LPCM: MP4 has no G.711 sample entry that ffprobe and browsers share, so
// the store decodes it, doubling its (small) size.
type G711 struct {
	MuLaw      bool
	SampleRate int // 8000 if zero
	Channels   int // 1 if zero
}

func (H264) String() string  { return "h264" }
func (H265) String() string  { return "hevc" }
func (MJPEG) String() string { return "mjpeg" }
func (AAC) String() string   { return "aac" }
func (Opus) String() string  { return "opus" }
func (G711) String() string  { return "pcm_s16be" }

const videoTimescale = 90000

func (c H264) mp4() (mp4.Codec, uint32, error) {
	if len(c.SPS) == 0 || len(c.PPS) == 0 {
		return nil, 0, fmt.Errorf("%w: h264 without SPS and PPS", ErrInvalidArgument)
	}
	var sps h264.SPS
	if err := sps.Unmarshal(c.SPS); err != nil {
		return nil, 0, fmt.Errorf("%w: h264 SPS: %v", ErrInvalidArgument, err)
	}
	return &mp4.CodecH264{SPS: c.SPS, PPS: c.PPS}, videoTimescale, nil
}

func (c H265) mp4() (mp4.Codec, uint32, error) {
	if len(c.VPS) == 0 || len(c.SPS) == 0 || len(c.PPS) == 0 {
		return nil, 0, fmt.Errorf("%w: h265 without VPS, SPS and PPS", ErrInvalidArgument)
	}
	var sps h265.SPS
	if err := sps.Unmarshal(c.SPS); err != nil {
		return nil, 0, fmt.Errorf("%w: h265 SPS: %v", ErrInvalidArgument, err)
	}
	return &mp4.CodecH265{VPS: c.VPS, SPS: c.SPS, PPS: c.PPS}, videoTimescale, nil
}

func (c MJPEG) mp4() (mp4.Codec, uint32, error) {
	if c.Width <= 0 || c.Height <= 0 || c.Width > 65535 || c.Height > 65535 {
		return nil, 0, fmt.Errorf("%w: mjpeg size %dx%d", ErrInvalidArgument, c.Width, c.Height)
	}
	return &mp4.CodecMJPEG{Width: c.Width, Height: c.Height}, videoTimescale, nil
}

func (c AAC) mp4() (mp4.Codec, uint32, error) {
	var conf mpeg4audio.AudioSpecificConfig
	if err := conf.Unmarshal(c.Config); err != nil {
		return nil, 0, fmt.Errorf("%w: aac config: %v", ErrInvalidArgument, err)
	}
	if conf.SampleRate <= 0 {
		return nil, 0, fmt.Errorf("%w: aac sample rate %d", ErrInvalidArgument, conf.SampleRate)
	}
	return &mp4.CodecMPEG4Audio{Config: conf}, uint32(conf.SampleRate), nil
}

func (c Opus) mp4() (mp4.Codec, uint32, error) {
	if c.Channels < 1 || c.Channels > 8 {
		return nil, 0, fmt.Errorf("%w: opus with %d channels", ErrInvalidArgument, c.Channels)
	}
	return &mp4.CodecOpus{ChannelCount: c.Channels}, 48000, nil
}

func (c G711) mp4() (mp4.Codec, uint32, error) {
	rate, ch := c.rate(), c.channels()
	if rate <= 0 || rate > 192000 || ch < 1 || ch > 8 {
		return nil, 0, fmt.Errorf("%w: g711 at %d Hz with %d channels", ErrInvalidArgument, rate, ch)
	}
	return &mp4.CodecLPCM{BitDepth: 16, SampleRate: rate, ChannelCount: ch}, uint32(rate), nil
}

func (c G711) rate() int {
	if c.SampleRate == 0 {
		return 8000
	}
	return c.SampleRate
}

func (c G711) channels() int {
	if c.Channels == 0 {
		return 1
	}
	return c.Channels
}

func isVideo(c Codec) bool {
	switch c.(type) {
	case H264, H265, MJPEG:
		return true
	}
	return false
}

// sameCodec says whether two codecs make the same init segment.
func sameCodec(a, b Codec) bool {
	switch a := a.(type) {
	case H264:
		b, ok := b.(H264)
		return ok && bytes.Equal(a.SPS, b.SPS) && bytes.Equal(a.PPS, b.PPS)
	case H265:
		b, ok := b.(H265)
		return ok && bytes.Equal(a.VPS, b.VPS) && bytes.Equal(a.SPS, b.SPS) && bytes.Equal(a.PPS, b.PPS)
	case AAC:
		b, ok := b.(AAC)
		return ok && bytes.Equal(a.Config, b.Config)
	}
	return a == b
}

// inBandParams returns the codec with the parameter sets that a video
// access unit carries replacing the track's ones, and whether they differ.
func inBandParams(c Codec, au [][]byte) (Codec, bool) {
	switch c := c.(type) {
	case H264:
		n := c
		for _, nalu := range au {
			switch h264.NALUType(nalu[0] & 0x1f) {
			case h264.NALUTypeSPS:
				n.SPS = nalu
			case h264.NALUTypePPS:
				n.PPS = nalu
			}
		}
		if !sameCodec(c, n) {
			n.SPS, n.PPS = bytes.Clone(n.SPS), bytes.Clone(n.PPS)
			return n, true
		}
	case H265:
		n := c
		for _, nalu := range au {
			if len(nalu) < 2 {
				continue
			}
			switch h265.NALUType((nalu[0] >> 1) & 0x3f) {
			case h265.NALUType_VPS_NUT:
				n.VPS = nalu
			case h265.NALUType_SPS_NUT:
				n.SPS = nalu
			case h265.NALUType_PPS_NUT:
				n.PPS = nalu
			}
		}
		if !sameCodec(c, n) {
			n.VPS, n.SPS, n.PPS = bytes.Clone(n.VPS), bytes.Clone(n.SPS), bytes.Clone(n.PPS)
			return n, true
		}
	}
	return c, false
}

// isKeyframe says whether a frame of codec c can start a fragment: an IDR
// (H.264), an IRAP picture (H.265); every MJPEG and audio frame.
func isKeyframe(c Codec, au [][]byte) bool {
	switch c.(type) {
	case H264:
		return h264.IsRandomAccess(au)
	case H265:
		return h265.IsRandomAccess(au)
	}
	return true
}
