package hls

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tidegate/tidegate/video/fragments"
)

// playlist is a media playlist of stored fragments, each a segment.
type playlist struct {
	frags []fragments.Fragment
	// live: no EXT-X-ENDLIST, and the server blocks reloads; else a VOD
	// playlist of a past range.
	live bool
	// target is the camera's fragment target, the least target duration.
	target time.Duration
}

// targetDuration is EXT-X-TARGETDURATION: whole seconds, at least each
// segment's duration rounded to the nearest (RFC 8216 section 4.3.3.1).
func (p *playlist) targetDuration() int {
	t := int(math.Ceil(p.target.Seconds()))
	for _, f := range p.frags {
		t = max(t, int(math.Round(f.Duration.Seconds())))
	}
	return max(t, 1)
}

// write writes the playlist. A past range's segments carry the time
// their decode times are moved to (?t=, nanoseconds: see retime).
// Fragments are named by number (the media
// sequence number is the first one's: numbers run on by one), and each
// segment file of the store is one init segment: a change of segment file
// is a discontinuity with a new EXT-X-MAP. The discontinuity sequence is
// the first fragment's segment file number, as segment files are numbered
// one after another, so that it grows by one for each discontinuity that
// leaves a live playlist.
func (p *playlist) write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	first := p.frags[0]
	fmt.Fprintf(bw, "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:%d\n", p.targetDuration())
	if p.live {
		fmt.Fprintf(bw, "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES\n")
	} else {
		fmt.Fprintf(bw, "#EXT-X-PLAYLIST-TYPE:VOD\n")
	}
	fmt.Fprintf(bw, "#EXT-X-MEDIA-SEQUENCE:%d\n#EXT-X-DISCONTINUITY-SEQUENCE:%d\n#EXT-X-INDEPENDENT-SEGMENTS\n", first.Number, first.Segment)
	at := vodOrigin
	for i, f := range p.frags {
		uri := segmentName(f.Number)
		if !p.live {
			uri += "?t=" + strconv.FormatInt(int64(at), 10)
			at += f.Duration
		}
		if i > 0 && f.Segment != p.frags[i-1].Segment {
			fmt.Fprintf(bw, "#EXT-X-DISCONTINUITY\n")
		}
		if i == 0 || f.Segment != p.frags[i-1].Segment {
			fmt.Fprintf(bw, "#EXT-X-MAP:URI=%q\n", initName(f.Number))
		}
		fmt.Fprintf(bw, "#EXT-X-PROGRAM-DATE-TIME:%s\n#EXTINF:%.3f,\n%s\n",
			f.Server.UTC().Format("2006-01-02T15:04:05.000Z07:00"), f.Duration.Seconds(), uri)
	}
	if !p.live {
		fmt.Fprintf(bw, "#EXT-X-ENDLIST\n")
	}
	return bw.Flush()
}

// The names of a camera's HLS files, below /video/<camera>/.
const (
	segmentPrefix = "hls/"
	segmentExt    = ".m4s"
	initPrefix    = "init-"
	initExt       = ".mp4"
)

func segmentName(n uint64) string { return segmentPrefix + strconv.FormatUint(n, 10) + segmentExt }

// initName names the init segment of the segment file that holds
// fragment n.
func initName(n uint64) string {
	return segmentPrefix + initPrefix + strconv.FormatUint(n, 10) + initExt
}

// parseFile reads a file name below hls/: "<n>.m4s", a fragment, or
// "init-<n>.mp4", the init segment of fragment n's segment file.
func parseFile(name string) (n uint64, init, ok bool) {
	switch {
	case strings.HasPrefix(name, initPrefix) && strings.HasSuffix(name, initExt):
		name, init = strings.TrimSuffix(strings.TrimPrefix(name, initPrefix), initExt), true
	case strings.HasSuffix(name, segmentExt):
		name = strings.TrimSuffix(name, segmentExt)
	default:
		return 0, false, false
	}
	// Digits only: no sign, no spaces, a canonical number.
	if name == "" || len(name) > 20 || strings.TrimLeft(name, "0123456789") != "" || (len(name) > 1 && name[0] == '0') {
		return 0, false, false
	}
	n, err := strconv.ParseUint(name, 10, 64)
	if err != nil || n == 0 {
		return 0, false, false
	}
	return n, init, true
}
