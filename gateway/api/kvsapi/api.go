package kvsapi

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
	"github.com/tidegate/tidegate/video/fragments"
	"github.com/tidegate/tidegate/video/frames"
)

// API serves Kinesis Video Streams over a video store. Set the fields,
// then serve; do not change them while serving, and do not copy an API.
type API struct {
	Store  *fragments.Store
	Frames *frames.Extractor
	// Region and AccountID go into ARNs ("us-east-1", "000000000000").
	Region, AccountID string
	// Auth, when set, is called for every request with the whole body
	// before anything is decoded (SigV4 for "kinesisvideo").
	Auth    func(r *http.Request, body []byte) error
	App     string           // names the muxer in Matroska answers
	Clock   func() time.Time // nil: time.Now
	Logger  *slog.Logger     // nil: discard
	Metrics awsjson.Metrics  // nil: discard

	once sync.Once
	svc  *awsjson.Service
}

// Paths returns the request paths of the operations, one route each on
// the gateway's listener.
func Paths() []string {
	return []string{
		"/describeStream", "/listStreams", "/getDataEndpoint",
		"/listFragments", "/getClip", "/getImages", "/getMediaForFragmentList", "/getHLSStreamingSessionURL",
		"/getMedia",
	}
}

// ServeHTTP answers one request.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.once.Do(func() {
		a.svc = &awsjson.Service{
			Name:     "kinesisvideo",
			Codecs:   []awsjson.Codec{jsonCodec{}},
			Auth:     a.Auth,
			MapError: mapError,
			Logger:   a.Logger,
			Metrics:  a.Metrics,
			Operations: map[string]awsjson.Operation{
				"/describeStream":            awsjson.Unary(a.describeStream),
				"/listStreams":               awsjson.Unary(a.listStreams),
				"/getDataEndpoint":           awsjson.Unary(a.getDataEndpoint),
				"/listFragments":             awsjson.Unary(a.listFragments),
				"/getClip":                   awsjson.Stream(a.getClip),
				"/getImages":                 awsjson.Unary(a.getImages),
				"/getMediaForFragmentList":   awsjson.Stream(a.getMediaForFragmentList),
				"/getHLSStreamingSessionURL": awsjson.Unary(a.getHLSStreamingSessionURL),
				"/getMedia":                  awsjson.Stream(a.getMedia),
			},
		}
	})
	a.svc.ServeHTTP(w, r)
}

func (a *API) now() time.Time {
	if a.Clock != nil {
		return a.Clock()
	}
	return time.Now()
}

func (a *API) logger() *slog.Logger {
	if a.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Logger
}
