package mkv

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4"
)

// track is one fMP4 track as the Matroska stream carries it.
type track struct {
	id        int    // the fMP4 track ID
	number    uint64 // the Matroska track number
	timescale uint32
	video     bool
}

// trackEntries reads an init segment and returns its tracks and their
// Tracks element.
func trackEntries(init []byte) ([]track, []byte, error) {
	var in fmp4.Init
	if err := in.Unmarshal(bytes.NewReader(init)); err != nil {
		return nil, nil, fmt.Errorf("init segment: %w", err)
	}
	entries, err := sampleEntries(init)
	if err != nil {
		return nil, nil, fmt.Errorf("init segment: %w", err)
	}
	var tracks []track
	var body []byte
	for i, it := range in.Tracks {
		t := track{id: it.ID, number: uint64(i + 1), timescale: it.TimeScale, video: it.Codec.IsVideo()}
		if t.timescale == 0 {
			return nil, nil, fmt.Errorf("init segment: track %d has no timescale", it.ID)
		}
		e, err := trackEntry(t, it.Codec, entries[it.ID])
		if err != nil {
			return nil, nil, fmt.Errorf("init segment: track %d: %w", it.ID, err)
		}
		tracks = append(tracks, t)
		body = appendElement(body, idTrackEntry, e)
	}
	if len(tracks) == 0 {
		return nil, nil, fmt.Errorf("init segment without tracks")
	}
	return tracks, appendElement(nil, idTracks, body), nil
}

func trackEntry(t track, c mp4.Codec, se sampleEntry) ([]byte, error) {
	e := appendUint(nil, idTrackNumber, t.number)
	e = appendUint(e, idTrackUID, t.number)
	kind := uint64(2)
	if t.video {
		kind = 1
	}
	e = appendUint(e, idTrackType, kind)
	e = appendUint(e, idFlagLacing, 0)
	switch c := c.(type) {
	case *mp4.CodecH264:
		avcC, ok := child(se.boxes, "avcC")
		if !ok {
			return nil, fmt.Errorf("H.264 sample entry %q without avcC", se.typ)
		}
		var sps h264.SPS
		if err := sps.Unmarshal(c.SPS); err != nil {
			return nil, fmt.Errorf("H.264 SPS: %w", err)
		}
		e = appendString(e, idCodecID, "V_MPEG4/ISO/AVC")
		e = appendElement(e, idCodecPrivate, avcC)
		e = appendVideo(e, sps.Width(), sps.Height())
	case *mp4.CodecH265:
		hvcC, ok := child(se.boxes, "hvcC")
		if !ok {
			return nil, fmt.Errorf("H.265 sample entry %q without hvcC", se.typ)
		}
		var sps h265.SPS
		if err := sps.Unmarshal(c.SPS); err != nil {
			return nil, fmt.Errorf("H.265 SPS: %w", err)
		}
		e = appendString(e, idCodecID, "V_MPEGH/ISO/HEVC")
		e = appendElement(e, idCodecPrivate, hvcC)
		e = appendVideo(e, sps.Width(), sps.Height())
	case *mp4.CodecMJPEG:
		e = appendString(e, idCodecID, "V_MJPEG")
		e = appendVideo(e, c.Width, c.Height)
	case *mp4.CodecMPEG4Audio:
		asc, err := c.Config.Marshal()
		if err != nil {
			return nil, fmt.Errorf("AAC configuration: %w", err)
		}
		e = appendString(e, idCodecID, "A_AAC")
		e = appendElement(e, idCodecPrivate, asc)
		e = appendAudio(e, float64(c.Config.SampleRate), c.Config.ChannelCount, 0)
	case *mp4.CodecOpus:
		preSkip := opusPreSkip(se.boxes)
		e = appendString(e, idCodecID, "A_OPUS")
		e = appendElement(e, idCodecPrivate, opusHead(c.ChannelCount, preSkip))
		e = appendUint(e, idCodecDelay, uint64(preSkip)*1e9/48000)
		e = appendUint(e, idSeekPreRoll, 80e6)
		e = appendAudio(e, 48000, c.ChannelCount, 0)
	case *mp4.CodecLPCM:
		id := "A_PCM/INT/BIG"
		if c.LittleEndian {
			id = "A_PCM/INT/LIT"
		}
		e = appendString(e, idCodecID, id)
		e = appendAudio(e, float64(c.SampleRate), c.ChannelCount, c.BitDepth)
	default:
		return nil, fmt.Errorf("codec %T is not written to Matroska", c)
	}
	return e, nil
}

func appendVideo(e []byte, width, height int) []byte {
	v := appendUint(nil, idPixelWidth, uint64(max(width, 0)))
	v = appendUint(v, idPixelHeight, uint64(max(height, 0)))
	return appendElement(e, idVideo, v)
}

func appendAudio(e []byte, rate float64, channels, bitDepth int) []byte {
	a := appendFloat(nil, idSamplingFrequency, rate)
	a = appendUint(a, idChannels, uint64(max(channels, 1)))
	if bitDepth > 0 {
		a = appendUint(a, idBitDepth, uint64(bitDepth))
	}
	return appendElement(e, idAudio, a)
}

// opusPreSkip is the pre-skip the sample entry's dOps box declares (the
// samples a decoder drops at the start), 0 without one: the MP4 and the
// Matroska forms of a recording then play the same samples.
func opusPreSkip(boxes []byte) uint16 {
	if d, ok := child(boxes, "dOps"); ok && len(d) >= 4 {
		return binary.BigEndian.Uint16(d[2:])
	}
	return 0
}

// opusHead is the identification header Matroska's A_OPUS takes as
// CodecPrivate (RFC 7845 section 5.1), for mapping family 0.
func opusHead(channels int, preSkip uint16) []byte {
	b := append([]byte("OpusHead"), 1, byte(max(1, min(channels, 2))))
	b = binary.LittleEndian.AppendUint16(b, preSkip)
	b = binary.LittleEndian.AppendUint32(b, 48000)
	return append(b, 0, 0, 0) // output gain, mapping family 0
}
