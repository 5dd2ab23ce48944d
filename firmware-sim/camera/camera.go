// Package camera is a simulated IP camera: the test card, encoded as H.264
// (firmware-sim/h264pcm) or MJPEG (image/jpeg), sent over RTSP as a real
// camera does — served to whoever plays rtsp://addr/<any path>, or pushed
// (ANNOUNCE/RECORD) to a server such as the gateway — with RTCP sender
// reports carrying the camera's clock. It reaches the gateway only
// through RTSP.
package camera

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"image/jpeg"
	"log/slog"
	"math"
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"github.com/tidegate/tidegate/firmware-sim/h264pcm"
	"github.com/tidegate/tidegate/firmware-sim/testcard"
)

// Codecs.
const (
	CodecH264  = "h264"
	CodecMJPEG = "mjpeg"
)

// Options configure a camera. Exactly one of Listen and Push is set.
type Options struct {
	Codec         string  // h264 (default) or mjpeg
	Width, Height int     // 320×240 by default
	FPS           float64 // 25 by default
	// GOP is the pictures from one H.264 IDR picture to the next (one
	// second's worth by default).
	GOP int
	// Duration ends the camera after that long; 0 runs until the context
	// ends.
	Duration time.Duration
	// Preencoded draws and encodes two GOPs' worth of pictures once and
	// sends them again and again (the clock burned in stops, the frame
	// counter loops): a load generator that spends its CPU on sending,
	// not on encoding, as `tidegate bench video` needs.
	Preencoded bool
	// Listen serves RTSP on this address (TCP); RTPAddress adds UDP, RTP
	// on its even port and RTCP on the next.
	Listen     string
	RTPAddress string
	// Push publishes to this rtsp:// URL, over Transport (tcp, the
	// default, or udp), and again a second after each failure.
	Push      string
	Transport string
	// Username and Password, when set: the credentials readers must give
	// (Listen), or the ones given to the server (Push, unless in the URL).
	Username, Password string
	// Auth is what a served camera accepts: basic, digest, or any (the
	// default).
	Auth   string
	Logger *slog.Logger
	// Clock is the camera's wall clock (time.Now).
	Clock func() time.Time
	// Ready, when not nil, is told the URL once the camera serves, or
	// once its first push is accepted.
	Ready func(url string)
}

func (o *Options) defaults() error {
	if o.Codec == "" {
		o.Codec = CodecH264
	}
	if o.Codec != CodecH264 && o.Codec != CodecMJPEG {
		return fmt.Errorf("camera: codec %q is not h264 or mjpeg", o.Codec)
	}
	if o.Width == 0 && o.Height == 0 {
		o.Width, o.Height = 320, 240
	}
	if o.FPS == 0 {
		o.FPS = 25
	}
	if !(o.FPS > 0 && o.FPS <= 120) {
		return fmt.Errorf("camera: %v fps is outside (0, 120]", o.FPS)
	}
	if o.GOP == 0 {
		o.GOP = max(1, int(math.Round(o.FPS)))
	}
	if (o.Listen == "") == (o.Push == "") {
		return errors.New("camera: give either a listen address or a push URL")
	}
	switch o.Auth {
	case "", "any", "basic", "digest":
	default:
		return fmt.Errorf("camera: auth %q is not basic, digest or any", o.Auth)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	return nil
}

// Run runs the camera until ctx ends or its Duration passes.
func Run(ctx context.Context, o Options) error {
	if err := o.defaults(); err != nil {
		return err
	}
	src, err := newSource(o)
	if err != nil {
		return err
	}
	if o.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Duration)
		defer cancel()
	}
	if o.Listen != "" {
		err = serve(ctx, o, src)
	} else {
		err = push(ctx, o, src)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// source makes the camera's frames as RTP packets.
type source struct {
	o       Options
	card    *testcard.Card
	desc    *description.Session
	media   *description.Media
	h264    *h264pcm.Encoder
	encode  func(frame []byte, au [][]byte) ([]*rtp.Packet, error)
	tsBase  uint32
	clock   int
	frames  int64
	start   time.Time // on the machine's clock, for pacing
	lastTS  uint32
	lastNTP time.Time
	ssrc    uint32 // of the packets as sent
	// loop holds the pre-encoded pictures (access units, or JPEGs), and
	// loopAt the frame number the loop last started from.
	loop   [][][]byte
	loopAt int64
}

func newSource(o Options) (*source, error) {
	card, err := testcard.New(o.Width, o.Height)
	if err != nil {
		return nil, err
	}
	s := &source{o: o, card: card, clock: 90000}
	var b [4]byte
	rand.Read(b[:])
	s.tsBase = binary.BigEndian.Uint32(b[:])
	switch o.Codec {
	case CodecH264:
		s.h264, err = h264pcm.New(o.Width, o.Height, o.FPS, o.GOP)
		if err != nil {
			return nil, err
		}
		f := &format.H264{PayloadTyp: 96, PacketizationMode: 1, SPS: s.h264.SPS(), PPS: s.h264.PPS()}
		enc, err := f.CreateEncoder()
		if err != nil {
			return nil, err
		}
		s.media = &description.Media{Type: description.MediaTypeVideo, Formats: []format.Format{f}}
		s.encode = func(_ []byte, au [][]byte) ([]*rtp.Packet, error) { return enc.Encode(au) }
	default:
		f := &format.MJPEG{}
		enc, err := f.CreateEncoder()
		if err != nil {
			return nil, err
		}
		s.media = &description.Media{Type: description.MediaTypeVideo, Formats: []format.Format{f}}
		s.encode = func(jpg []byte, _ [][]byte) ([]*rtp.Packet, error) { return enc.Encode(jpg) }
	}
	s.desc = &description.Session{Medias: []*description.Media{s.media}}
	if o.Preencoded {
		if err := s.preencode(2 * o.GOP); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// preencode draws and encodes n pictures, which start with a keyframe.
func (s *source) preencode(n int) error {
	at := s.o.Clock()
	for i := range n {
		img := s.card.Draw(int64(i), at.Add(time.Duration(float64(i)*float64(time.Second)/s.o.FPS)))
		if s.h264 != nil {
			au, _, err := s.h264.Encode(img)
			if err != nil {
				return err
			}
			s.loop = append(s.loop, au)
			continue
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
			return err
		}
		s.loop = append(s.loop, [][]byte{b.Bytes()})
	}
	return nil
}

// next waits for the next frame's time and returns its packets, and the
// camera's clock at that frame.
func (s *source) next(ctx context.Context) ([]*rtp.Packet, time.Time, error) {
	if s.start.IsZero() {
		s.start = time.Now()
	}
	n := s.frames
	due := s.start.Add(time.Duration(float64(n) * float64(time.Second) / s.o.FPS))
	if d := time.Until(due); d > 0 {
		select {
		case <-ctx.Done():
			return nil, time.Time{}, ctx.Err()
		case <-time.After(d):
		}
	}
	now := s.o.Clock()
	var pkts []*rtp.Packet
	var err error
	switch {
	case s.loop != nil && s.h264 != nil:
		pkts, err = s.encode(nil, s.loop[(n-s.loopAt)%int64(len(s.loop))])
	case s.loop != nil:
		pkts, err = s.encode(s.loop[(n-s.loopAt)%int64(len(s.loop))][0], nil)
	case s.h264 != nil:
		img := s.card.Draw(n, now)
		au, _, e := s.h264.Encode(img)
		if e != nil {
			return nil, now, e
		}
		pkts, err = s.encode(nil, au)
	default:
		var b bytes.Buffer
		if err := jpeg.Encode(&b, s.card.Draw(n, now), &jpeg.Options{Quality: 85}); err != nil {
			return nil, now, err
		}
		pkts, err = s.encode(b.Bytes(), nil)
	}
	if err != nil {
		return nil, now, err
	}
	ts := s.tsBase + uint32(math.Round(float64(n)*float64(s.clock)/s.o.FPS))
	for _, p := range pkts {
		p.Timestamp = ts
	}
	s.frames++
	s.lastTS, s.lastNTP = ts, now
	return pkts, now, nil
}

// restart makes the next H.264 picture an IDR picture, for a new
// session that must not wait a GOP for its first picture.
func (s *source) restart() {
	if s.h264 != nil {
		s.h264.Restart()
	}
	s.loopAt = s.frames // a pre-encoded loop starts over, at its keyframe
}

// senderReport ties the last frame's RTP time to the camera's clock.
func (s *source) senderReport() *rtcp.SenderReport {
	return &rtcp.SenderReport{SSRC: s.ssrc, NTPTime: ntpTime(s.lastNTP), RTPTime: s.lastTS}
}

// ntpTime is a time as RTCP carries it: seconds since 1900, 32.32 fixed
// point.
func ntpTime(t time.Time) uint64 {
	ns := uint64(t.UnixNano()) + 2208988800*uint64(time.Second)
	return (ns/uint64(time.Second))<<32 | (ns%uint64(time.Second))<<32/uint64(time.Second)
}
