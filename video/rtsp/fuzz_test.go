package rtsp

import (
	"encoding/binary"
	"errors"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/sdp"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
	"github.com/pion/rtp"

	"github.com/tidegate/tidegate/video/cameras"
	"github.com/tidegate/tidegate/video/fragments"
)

// rawTiming times packets by their RTP timestamps alone, as if the
// library's decoder had none of its own state: hostile timestamps reach
// the depacketizers and the store unfiltered.
type rawTiming struct{}

func (rawTiming) PacketPTS2(_ *description.Media, p *rtp.Packet) (int64, bool) {
	return int64(p.Timestamp), true
}

func (rawTiming) PacketNTP(*description.Media, *rtp.Packet) (time.Time, bool) {
	return time.Time{}, false
}

func fuzzCamera(f *testing.F) *cameras.Camera {
	// In memory when it can be: a session per input fsyncs a few times.
	dir, err := os.MkdirTemp("/dev/shm", "fuzz-rtsp-")
	if err != nil {
		dir = f.TempDir()
	} else {
		f.Cleanup(func() { os.RemoveAll(dir) })
	}
	// Logs would go to the fuzz target's t, which a shared camera has not.
	r := newRigIn(f, dir, slog.New(slog.DiscardHandler), publisherSpec("fuzz", cameras.Login{}))
	cam, ok := r.cms.Camera("fuzz")
	if !ok {
		f.Fatal("no camera")
	}
	return cam
}

// feedPackets runs packets through a feed of desc into the camera, as a
// session would, and waits for the recorder to close.
func feedPackets(t *testing.T, cam *cameras.Camera, desc *description.Session, pkts []*rtp.Packet) {
	fd, err := newFeed(cam, desc, rawTiming{}, func() {})
	if err != nil {
		if !errors.Is(err, ErrUnsupported) {
			t.Fatalf("newFeed: %v", err)
		}
		return
	}
	if err := fd.begin(); err != nil {
		if !errors.Is(err, fragments.ErrInvalidArgument) {
			t.Fatalf("begin: %v", err)
		}
		return
	}
	tr := fd.tracks[0]
	for _, p := range pkts {
		fd.packet(tr.media, tr.format, p)
	}
	fd.end(fragments.ReasonCameraOffline, "fuzz")
	fd.mu.Lock()
	s := fd.session
	fd.mu.Unlock()
	if s != nil {
		<-s.Done()
	}
}

// FuzzSDP: any session description a publisher announces or a camera
// describes is turned into tracks and a recording, or refused with
// ErrUnsupported or the store's ErrInvalidArgument; never a panic.
func FuzzSDP(f *testing.F) {
	c := testClips(f)
	for _, s := range []*stream{h264Stream(f, c, true, true), h264Stream(f, c, false, false), mjpegStream(f, c)} {
		b, err := s.desc.Marshal(false)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z0IAH5WoFAFuQA==,aM48gA==\r\n"))
	f.Add([]byte("v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 0 RTP/AVP 97\r\na=rtpmap:97 mpeg4-generic/16000/1\r\na=fmtp:97 streamtype=5; profile-level-id=1; mode=AAC-hbr; sizelength=13; indexlength=3; indexdeltalength=3; config=1408\r\n"))
	f.Add([]byte("v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H265/90000\r\na=fmtp:96 sprop-vps=AAAA; sprop-sps=AAAA; sprop-pps=AAAA\r\n"))
	cam := fuzzCamera(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		var sd sdp.SessionDescription
		if err := sd.Unmarshal(b); err != nil {
			return
		}
		var desc description.Session
		if err := desc.Unmarshal(&sd); err != nil {
			return
		}
		feedPackets(t, cam, &desc, nil)
	})
}

// The tracks the depacketizing fuzz test feeds, one per codec.
func fuzzTracks() []*description.Session {
	one := func(typ description.MediaType, f format.Format) *description.Session {
		return &description.Session{Medias: []*description.Media{{Type: typ, Formats: []format.Format{f}}}}
	}
	c, _ := loadClips()
	return []*description.Session{
		one(description.MediaTypeVideo, &format.H264{PayloadTyp: 96, PacketizationMode: 1, SPS: c.sps, PPS: c.pps}),
		one(description.MediaTypeVideo, &format.H264{PayloadTyp: 96, PacketizationMode: 1}),
		one(description.MediaTypeVideo, &format.H265{PayloadTyp: 96}),
		one(description.MediaTypeVideo, &format.MJPEG{}),
		one(description.MediaTypeAudio, &format.MPEG4Audio{PayloadTyp: 97, SizeLength: 13, IndexLength: 3, IndexDeltaLength: 3,
			Config: &mpeg4audio.AudioSpecificConfig{Type: mpeg4audio.ObjectTypeAACLC, SampleRate: 16000, ChannelCount: 1}}),
		one(description.MediaTypeAudio, &format.Opus{PayloadTyp: 111, ChannelCount: 2}),
		one(description.MediaTypeAudio, &format.G711{PayloadTyp: 8, SampleRate: 8000, ChannelCount: 1}),
	}
}

// encodePackets is a fuzz input: the track's index, then each packet with
// a two-byte length.
func encodePackets(track int, pkts []*rtp.Packet) []byte {
	b := []byte{byte(track)}
	for _, p := range pkts {
		raw, err := p.Marshal()
		if err != nil {
			panic(err)
		}
		b = binary.BigEndian.AppendUint16(b, uint16(len(raw)))
		b = append(b, raw...)
	}
	return b
}

func decodePackets(b []byte) (int, []*rtp.Packet) {
	if len(b) == 0 {
		return 0, nil
	}
	track := int(b[0])
	b = b[1:]
	var out []*rtp.Packet
	for len(b) >= 2 && len(out) < 256 {
		n := int(binary.BigEndian.Uint16(b))
		b = b[2:]
		if n > len(b) {
			n = len(b)
		}
		var p rtp.Packet
		if p.Unmarshal(b[:n]) == nil {
			out = append(out, &p)
		}
		b = b[n:]
	}
	return track, out
}

// FuzzDepacketize: any RTP packets of a camera's track go through our
// depacketizing and frame assembly (H.264, H.265, MJPEG, AAC, Opus,
// G.711) into a real recording: frames the store refuses are counted,
// nothing panics, and what is stored reads back.
func FuzzDepacketize(f *testing.F) {
	c := testClips(f)
	for _, s := range []*stream{h264Stream(f, c, true, false), h264Stream(f, c, false, false), mjpegStream(f, c)} {
		var pkts []*rtp.Packet
		for i := range 30 {
			for _, mp := range s.frame(i) {
				pkts = append(pkts, mp.pkt)
			}
		}
		track := 0
		if s.desc.Medias[0].Formats[0].Codec() == "M-JPEG" {
			track = 3
		} else if len(s.desc.Medias[0].Formats[0].(*format.H264).SPS) == 0 {
			track = 1
		}
		f.Add(encodePackets(track, pkts))
	}
	for track, s := range fuzzTracks()[4:] {
		fm := s.Medias[0].Formats[0]
		var pkts []*rtp.Packet
		for i := range 20 {
			payload := []byte{0x00, 0x10, 0x00, 0x20, 0x21, 0x10, 0x05, 0xff}
			if _, ok := fm.(*format.MPEG4Audio); !ok {
				payload = []byte{0xfc, 0xff, 0xfe, byte(i)}
			}
			pkts = append(pkts, &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: fm.PayloadType(), SequenceNumber: uint16(i),
				Timestamp: uint32(i * 960), Marker: true}, Payload: payload})
		}
		f.Add(encodePackets(track+4, pkts))
	}
	cam := fuzzCamera(f)
	tracks := fuzzTracks()
	f.Fuzz(func(t *testing.T, b []byte) {
		track, pkts := decodePackets(b)
		feedPackets(t, cam, tracks[track%len(tracks)], pkts)
	})
}
