package kvsapi

import (
	"net/http"
	"net/url"
	"time"
)

type getHLSInput struct {
	streamRef
	PlaybackMode        string    `json:"PlaybackMode"`
	HLSFragmentSelector *selector `json:"HLSFragmentSelector"`
	ContainerFormat     string    `json:"ContainerFormat"`
	DiscontinuityMode   string    `json:"DiscontinuityMode"`
	Expires             *int64    `json:"Expires"`
}

type getHLSOutput struct {
	HLSStreamingSessionURL string `json:"HLSStreamingSessionURL"`
}

// getHLSStreamingSessionURL names the gateway's HLS playlist of the camera
// (/video/<camera>/index.m3u8): live for LIVE, of the range for ON_DEMAND,
// and from the start on for LIVE_REPLAY. Only fragmented MP4 is served.
func (a *API) getHLSStreamingSessionURL(r *http.Request, in *getHLSInput) (*getHLSOutput, error) {
	c, err := a.camera(in.streamRef)
	if err != nil {
		return nil, err
	}
	if in.ContainerFormat != "" && in.ContainerFormat != "FRAGMENTED_MP4" {
		return nil, invalid("ContainerFormat %q: only FRAGMENTED_MP4 is served", in.ContainerFormat)
	}
	if e := in.Expires; e != nil && (*e < 300 || *e > 43200) {
		return nil, invalid("Expires %d is not between 300 and 43200", *e)
	}
	u := endpoint(r) + "/video/" + url.PathEscape(c.Name) + "/index.m3u8"
	mode := in.PlaybackMode
	if mode == "" {
		mode = "LIVE"
	}
	q := url.Values{}
	switch mode {
	case "LIVE":
	case "LIVE_REPLAY", "ON_DEMAND":
		if in.HLSFragmentSelector == nil {
			return nil, invalid("HLSFragmentSelector is required for %s", mode)
		}
		s := in.HLSFragmentSelector
		if s.FragmentSelectorType != "" && s.FragmentSelectorType != "SERVER_TIMESTAMP" {
			return nil, invalid("HLSFragmentSelector.FragmentSelectorType: only SERVER_TIMESTAMP is served")
		}
		if s.TimestampRange == nil || s.TimestampRange.StartTimestamp == nil || (mode == "ON_DEMAND" && s.TimestampRange.EndTimestamp == nil) {
			return nil, invalid("HLSFragmentSelector.TimestampRange needs StartTimestamp (and EndTimestamp for ON_DEMAND)")
		}
		q.Set("start", s.TimestampRange.StartTimestamp.Format(time.RFC3339Nano))
		if end := s.TimestampRange.EndTimestamp; end != nil {
			q.Set("end", end.Format(time.RFC3339Nano))
		}
	default:
		return nil, invalid("PlaybackMode %q is not LIVE, LIVE_REPLAY or ON_DEMAND", in.PlaybackMode)
	}
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return &getHLSOutput{HLSStreamingSessionURL: u}, nil
}
