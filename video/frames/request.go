package frames

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors; the messages carry the details.
var (
	// ErrNoDecoder: the camera's codec needs ffmpeg, which is not
	// installed (or not where Extractor.FFmpeg says).
	ErrNoDecoder = errors.New("no decoder")
	// ErrInvalidArgument: a request that cannot be served as asked.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrNoVideo: the recording has no video track.
	ErrNoVideo = errors.New("no video track")
	// ErrDecode: the decoder failed or its pictures do not match the frames.
	ErrDecode = errors.New("decode failed")
)

// Request says which pictures to extract.
type Request struct {
	Camera string
	// Start and End bound the frames' times (End excluded). A zero End,
	// or one still to come, follows the camera live until End.
	Start, End time.Time
	// ByProducer selects and samples on the camera's clock (frames whose
	// fragment has no producer time are left out) instead of the
	// gateway's. Fragments are found on the gateway's clock within
	// ProducerSkew of the range.
	ByProducer bool
	// Every is the sampling interval; zero takes every frame.
	Every time.Duration
	// Keyframes decodes and picks keyframes only.
	Keyframes bool
	// Width and Height scale the pictures; zero keeps the recorded size,
	// and one of them alone keeps the aspect ratio.
	Width, Height int
	// Quality is the JPEG quality, 1 (smallest) to 100; zero is 85.
	Quality int
}

// ProducerSkew is how far a camera's clock may be from the gateway's for
// a ByProducer request to find its fragments.
const ProducerSkew = 24 * time.Hour

// MaxSize bounds Width and Height, as GetImages does.
const (
	MaxWidth  = 3840
	MaxHeight = 2160
)

func (r *Request) validate() error {
	switch {
	case r.Start.IsZero():
		return fmt.Errorf("%w: a start time is needed", ErrInvalidArgument)
	case !r.End.IsZero() && !r.End.After(r.Start):
		return fmt.Errorf("%w: end %s is not after start %s", ErrInvalidArgument, r.End.Format(time.RFC3339Nano), r.Start.Format(time.RFC3339Nano))
	case r.Every < 0:
		return fmt.Errorf("%w: a negative sampling interval", ErrInvalidArgument)
	case r.Width < 0 || r.Width > MaxWidth || r.Height < 0 || r.Height > MaxHeight:
		return fmt.Errorf("%w: size %dx%d (at most %dx%d)", ErrInvalidArgument, r.Width, r.Height, MaxWidth, MaxHeight)
	case r.Quality < 0 || r.Quality > 100:
		return fmt.Errorf("%w: quality %d (1-100)", ErrInvalidArgument, r.Quality)
	}
	if r.Quality == 0 {
		r.Quality = 85
	}
	return nil
}

// Image is one picture.
type Image struct {
	Camera   string
	Fragment uint64 // the fragment number
	Index    int    // the frame's place in its fragment's video track, in decode order, from 0
	// Server is the frame's time on the gateway's clock: the fragment's
	// server timestamp plus the frame's presentation time within it.
	// Producer is the same on the camera's clock, zero when unknown.
	Server, Producer time.Time
	Keyframe         bool
	Width, Height    int
	JPEG             []byte
}
