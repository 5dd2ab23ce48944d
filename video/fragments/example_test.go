package fragments_test

import (
	"fmt"
	"os"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"

	"github.com/tidegate/tidegate/video/fragments"
)

// An ingest records a camera: one Recorder per camera, frames in as they
// are depacketized; the read side lists what was stored.
func Example() {
	dir, _ := os.MkdirTemp("", "video")
	defer os.RemoveAll(dir)
	st, err := fragments.Open(dir, fragments.Options{})
	if err != nil {
		panic(err)
	}
	defer st.Close()

	// The H.264 clip of testdata: SPS, PPS, then 50 frames, an IDR every 25.
	raw, _ := os.ReadFile("testdata/clip.h264")
	var nalus h264.AnnexB
	if err := nalus.Unmarshal(raw); err != nil {
		panic(err)
	}
	sps, pps, frames := nalus[0], nalus[1], nalus[2:]

	rec, err := st.Record("door", []fragments.Track{{ID: 1, Codec: fragments.H264{SPS: sps, PPS: pps}}})
	if err != nil {
		panic(err)
	}
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var au [][]byte
	n := 0
	for _, nalu := range frames {
		au = append(au, nalu)
		if typ := h264.NALUType(nalu[0] & 0x1f); typ != h264.NALUTypeIDR && typ != h264.NALUTypeNonIDR {
			continue // an SEI: it goes with the next slice
		}
		dts := time.Duration(n) * 40 * time.Millisecond
		if err := rec.WriteFrame(fragments.Frame{Track: 1, DTS: dts, PTS: dts, NALUs: au, Received: start.Add(dts)}); err != nil {
			panic(err)
		}
		au, n = nil, n+1
	}
	rec.Close(fragments.ReasonCameraOffline, "the camera hung up")

	frs, _ := st.Fragments("door", fragments.Query{})
	for _, f := range frs {
		fmt.Println(f.Number, f.Server.Format(time.TimeOnly), f.Duration, f.Frames, "frames")
	}
	gaps, _ := st.Gaps("door", time.Time{}, time.Time{})
	fmt.Println(gaps[0].Reason, "since", gaps[0].Start.Format(time.TimeOnly))
	// Output:
	// 1 12:00:00 2s 50 frames
	// camera offline since 12:00:02
}
