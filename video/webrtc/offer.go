package webrtc

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/pion/sdp/v3"
)

// maxOfferBytes bounds an offer: a browser's is some 5 KiB.
const maxOfferBytes = 64 << 10

// offer is what a WHIP or WHEP offer holds that the gateway takes: an
// H.264 video section and an Opus or G.711 audio section, each optional,
// not both missing.
type offer struct {
	sdp      string
	video    bool   // an H.264 video section in the direction wanted
	sps, pps []byte // from the H.264 sprop-parameter-sets, when given
	// audio are the audio codecs of the first audio section in the
	// direction wanted that the gateway takes (audioOpus, audioPCMU,
	// audioPCMA), in the section's order of preference.
	audio  []string
	stereo bool // the Opus format's stereo=1
}

// The audio codecs, by their names in an rtpmap.
const (
	audioOpus = "opus"
	audioPCMU = "pcmu"
	audioPCMA = "pcma"
)

func (o *offer) takesAudio(codec string) bool { return slices.Contains(o.audio, codec) }

// readOffer reads a request's offer: application/sdp, at most
// maxOfferBytes.
func readOffer(w http.ResponseWriter, r *http.Request, publish bool) (*offer, error) {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "application/sdp" {
		return nil, fmt.Errorf("%w: Content-Type %q, want application/sdp", ErrBadOffer, r.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxOfferBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, fmt.Errorf("%w: larger than %d bytes", ErrBadOffer, maxOfferBytes)
		}
		return nil, fmt.Errorf("%w: reading it: %v", ErrBadOffer, err)
	}
	return parseOffer(body, publish)
}

// parseOffer checks an offer: SDP with an H.264 video or an Opus or
// G.711 audio section that sends (publish) or receives (play).
func parseOffer(body []byte, publish bool) (*offer, error) {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(string(body)); err != nil {
		return nil, fmt.Errorf("%w: not a session description: %v", ErrBadOffer, err)
	}
	o := &offer{sdp: string(body)}
	for _, md := range sd.MediaDescriptions {
		if md.MediaName.Port.Value == 0 || !directionFits(md, publish) {
			continue // rejected or bundled away, or the wrong direction
		}
		switch md.MediaName.Media {
		case "video":
			if pt, ok := payloadType(md, "h264"); ok && !o.video {
				o.video = true
				o.sps, o.pps = spropParameterSets(fmtpOf(md, pt))
			}
		case "audio":
			if o.audio == nil {
				o.audio = audioCodecs(md)
				if pt, ok := payloadType(md, audioOpus); ok {
					o.stereo = strings.Contains(fmtpOf(md, pt), "stereo=1")
				}
			}
		}
	}
	if !o.video && len(o.audio) == 0 {
		way := "receives"
		if publish {
			way = "sends"
		}
		return nil, fmt.Errorf("%w: no H.264 video or Opus or G.711 audio section that %s (the formats the gateway takes)", ErrBadOffer, way)
	}
	return o, nil
}

// audioCodecs lists the codecs of an audio section that the gateway
// takes, in the order of its formats: Opus, and G.711 at 8 kHz (by its
// rtpmap, or by its static payload type 0 or 8 without one).
func audioCodecs(md *sdp.MediaDescription) []string {
	var out []string
	for _, pt := range md.MediaName.Formats {
		name, clock, found := "", "", false
		for _, a := range md.Attributes {
			if a.Key != "rtpmap" {
				continue
			}
			if p, enc, ok := strings.Cut(a.Value, " "); ok && p == pt {
				n, rest, _ := strings.Cut(enc, "/")
				c, _, _ := strings.Cut(rest, "/")
				name, clock, found = strings.ToLower(n), c, true
				break
			}
		}
		if !found {
			switch pt {
			case "0":
				name, clock = audioPCMU, "8000"
			case "8":
				name, clock = audioPCMA, "8000"
			}
		}
		switch {
		case slices.Contains(out, name):
		case name == audioOpus, (name == audioPCMU || name == audioPCMA) && clock == "8000":
			out = append(out, name)
		}
	}
	return out
}

// directionFits says whether a section sends (publish) or receives.
func directionFits(md *sdp.MediaDescription, publish bool) bool {
	for _, a := range md.Attributes {
		switch a.Key {
		case "sendonly":
			return publish
		case "recvonly":
			return !publish
		case "inactive":
			return false
		}
	}
	return true // sendrecv, said or not
}

// payloadType finds the first payload type of a codec (by its rtpmap
// name, case-insensitive).
func payloadType(md *sdp.MediaDescription, codec string) (string, bool) {
	for _, a := range md.Attributes {
		if a.Key != "rtpmap" {
			continue
		}
		pt, enc, ok := strings.Cut(a.Value, " ")
		name, _, _ := strings.Cut(enc, "/")
		if ok && strings.EqualFold(name, codec) {
			return pt, true
		}
	}
	return "", false
}

func fmtpOf(md *sdp.MediaDescription, pt string) string {
	for _, a := range md.Attributes {
		if a.Key == "fmtp" {
			if p, params, ok := strings.Cut(a.Value, " "); ok && p == pt {
				return params
			}
		}
	}
	return ""
}

// spropParameterSets reads the SPS and PPS of an H.264 fmtp, when given
// and well-formed (an SPS that does not parse would keep the recording
// from starting); the recorder takes them from the stream otherwise.
func spropParameterSets(fmtp string) (sps, pps []byte) {
	for _, p := range strings.Split(fmtp, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if k != "sprop-parameter-sets" {
			continue
		}
		for _, s := range strings.Split(v, ",") {
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil || len(b) == 0 {
				continue
			}
			switch b[0] & 0x1f {
			case 7:
				sps = b
			case 8:
				pps = b
			}
		}
	}
	var parsed h264.SPS
	if sps == nil || pps == nil || parsed.Unmarshal(sps) != nil {
		return nil, nil
	}
	return sps, pps
}
