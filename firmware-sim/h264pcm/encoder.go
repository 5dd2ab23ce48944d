// Package h264pcm is an H.264 encoder that every decoder accepts and that
// needs neither cgo nor a transform: intra pictures of I_PCM macroblocks
// (the samples as they are, lossless) and P pictures that skip every
// macroblock that did not change and send the others as I_PCM. It is
// what a simulated camera sends; a moving test card costs a few
// megabits a second at 640×480.
//
// The stream: Constrained Baseline profile, CAVLC, one slice per picture,
// picture order count type 2 (output in decoding order, no B-frames), one
// reference frame, deblocking off (I_PCM needs none, and P_Skip then
// copies the reference exactly), 8-bit 4:2:0. Sizes that are not a
// multiple of 16 are padded and cropped in the SPS.
package h264pcm

import (
	"errors"
	"fmt"
	"image"
	"math"
)

// NAL unit headers: nal_ref_idc and nal_unit_type.
const (
	nalSPS   = 0x67 // ref 3, type 7
	nalPPS   = 0x68 // ref 3, type 8
	nalIDR   = 0x65 // ref 3, type 5
	nalSlice = 0x41 // ref 2, type 1: P pictures are references
)

// Macroblock types (clause 7.4.5, tables 7-11 and 7-13): I_PCM is 25 in an
// I slice and 5 + 25 in a P slice.
const (
	mbIPCMinI = 25
	mbIPCMinP = 30
)

const log2MaxFrameNum = 16

// Encoder encodes pictures of one size into access units.
type Encoder struct {
	w, h       int // picture size
	mbw, mbh   int // in macroblocks
	gop        int
	sps, pps   []byte
	cur, prev  planes // padded to whole macroblocks
	n          int    // pictures encoded
	frameNum   uint32 // of the last picture, since its IDR
	idrID      uint32
	havePrev   bool
	changedBuf []bool
}

type planes struct{ y, cb, cr []byte }

// New returns an encoder for w×h pictures (even, from 16×16) at fps
// pictures a second, with an IDR picture every gop pictures.
func New(w, h int, fps float64, gop int) (*Encoder, error) {
	if w < 16 || h < 16 || w%2 != 0 || h%2 != 0 || w > 4096 || h > 4096 {
		return nil, fmt.Errorf("h264pcm: size %dx%d: want even sizes from 16x16 to 4096x4096", w, h)
	}
	if !(fps > 0 && fps <= 240) || gop < 1 || gop > 1<<15 {
		return nil, fmt.Errorf("h264pcm: %v fps with a GOP of %d: want 0 < fps <= 240 and 1 <= gop <= 32768", fps, gop)
	}
	e := &Encoder{w: w, h: h, mbw: (w + 15) / 16, mbh: (h + 15) / 16, gop: gop}
	n := e.mbw * 16 * e.mbh * 16
	e.cur = planes{make([]byte, n), make([]byte, n/4), make([]byte, n/4)}
	e.prev = planes{make([]byte, n), make([]byte, n/4), make([]byte, n/4)}
	e.changedBuf = make([]bool, e.mbw*e.mbh)
	e.sps = e.makeSPS(fps)
	e.pps = makePPS()
	return e, nil
}

// SPS and PPS are the parameter sets, for a session description; every
// IDR access unit carries them too.
func (e *Encoder) SPS() []byte { return e.sps }
func (e *Encoder) PPS() []byte { return e.pps }

func (e *Encoder) makeSPS(fps float64) []byte {
	var w bitWriter
	w.u(8, 66)           // profile_idc: Baseline
	w.u(8, 0b11000000)   // constraint_set0 and 1: Constrained Baseline
	w.u(8, e.level(fps)) // level_idc
	w.ue(0)              // seq_parameter_set_id
	w.ue(log2MaxFrameNum - 4)
	w.ue(2) // pic_order_cnt_type
	w.ue(1) // max_num_ref_frames
	w.flag(false)
	w.ue(uint32(e.mbw - 1))
	w.ue(uint32(e.mbh - 1))
	w.flag(true) // frame_mbs_only_flag
	w.flag(true) // direct_8x8_inference_flag
	cropX, cropY := (e.mbw*16-e.w)/2, (e.mbh*16-e.h)/2
	w.flag(cropX > 0 || cropY > 0)
	if cropX > 0 || cropY > 0 {
		w.ue(0)
		w.ue(uint32(cropX))
		w.ue(0)
		w.ue(uint32(cropY))
	}
	// VUI with the timing, so that a raw stream tells its frame rate.
	w.flag(true)
	w.flag(false)                         // aspect_ratio_info_present_flag
	w.flag(false)                         // overscan_info_present_flag
	w.flag(false)                         // video_signal_type_present_flag
	w.flag(false)                         // chroma_loc_info_present_flag
	w.flag(true)                          // timing_info_present_flag
	w.u(32, 1000)                         // num_units_in_tick
	w.u(32, uint64(math.Round(fps*2000))) // time_scale: two ticks a frame
	w.flag(true)                          // fixed_frame_rate_flag
	w.flag(false)                         // nal_hrd_parameters_present_flag
	w.flag(false)                         // vcl_hrd_parameters_present_flag
	w.flag(false)                         // pic_struct_present_flag
	w.flag(true)                          // bitstream_restriction_flag
	w.flag(true)                          // motion_vectors_over_pic_boundaries_flag
	w.ue(0)                               // max_bytes_per_pic_denom
	w.ue(0)                               // max_bits_per_mb_denom
	w.ue(0)                               // log2_max_mv_length_horizontal
	w.ue(0)                               // log2_max_mv_length_vertical
	w.ue(0)                               // max_num_reorder_frames
	w.ue(1)                               // max_dec_frame_buffering
	w.trailing()
	return w.nal(nalSPS)
}

// level is the lowest level whose frame size and macroblock rate take the
// pictures (table A-1); the bit rate of I_PCM is above every level's, which
// decoders do not enforce.
func (e *Encoder) level(fps float64) uint64 {
	fs := e.mbw * e.mbh
	mbps := float64(fs) * fps
	for _, l := range []struct {
		idc  uint64
		fs   int
		mbps float64
	}{{30, 1620, 40500}, {31, 3600, 108000}, {32, 5120, 216000}, {40, 8192, 245760}, {42, 8704, 522240},
		{50, 22080, 589824}, {51, 36864, 983040}, {52, 36864, 2073600}} {
		if fs <= l.fs && mbps <= l.mbps {
			return l.idc
		}
	}
	return 52
}

func makePPS() []byte {
	var w bitWriter
	w.ue(0)       // pic_parameter_set_id
	w.ue(0)       // seq_parameter_set_id
	w.flag(false) // entropy_coding_mode_flag: CAVLC
	w.flag(false) // bottom_field_pic_order_in_frame_present_flag
	w.ue(0)       // num_slice_groups_minus1
	w.ue(0)       // num_ref_idx_l0_default_active_minus1
	w.ue(0)       // num_ref_idx_l1_default_active_minus1
	w.flag(false) // weighted_pred_flag
	w.u(2, 0)     // weighted_bipred_idc
	w.se(0)       // pic_init_qp_minus26
	w.se(0)       // pic_init_qs_minus26
	w.se(0)       // chroma_qp_index_offset
	w.flag(true)  // deblocking_filter_control_present_flag
	w.flag(false) // constrained_intra_pred_flag
	w.flag(false) // redundant_pic_cnt_present_flag
	w.trailing()
	return w.nal(nalPPS)
}

// ErrSize: a picture is not the encoder's size or not 4:2:0.
var ErrSize = errors.New("h264pcm: picture of the wrong size or subsampling")

// Encode returns the access unit of img (NAL units without start codes)
// and whether it is an IDR picture, which carries the SPS and PPS.
func (e *Encoder) Encode(img *image.YCbCr) ([][]byte, bool, error) {
	if img.Rect.Dx() != e.w || img.Rect.Dy() != e.h || img.SubsampleRatio != image.YCbCrSubsampleRatio420 {
		return nil, false, ErrSize
	}
	e.load(img)
	idr := e.n%e.gop == 0 || !e.havePrev
	var au [][]byte
	if idr {
		e.frameNum = 0
		au = [][]byte{e.sps, e.pps, e.slice(true)}
		e.idrID++
	} else {
		e.frameNum = (e.frameNum + 1) % (1 << log2MaxFrameNum)
		au = [][]byte{e.slice(false)}
	}
	e.cur, e.prev = e.prev, e.cur
	e.havePrev = true
	e.n++
	return au, idr, nil
}

// Restart makes the next picture an IDR picture (a new receiver must not
// wait a GOP); the GOP counts from it.
func (e *Encoder) Restart() {
	e.havePrev = false
	e.n = 0
}

// load copies img into cur, padding right and bottom with the last pixel.
func (e *Encoder) load(img *image.YCbCr) {
	pw, ph := e.mbw*16, e.mbh*16
	for y := range ph {
		sy := min(y, e.h-1)
		row := img.Y[sy*img.YStride : sy*img.YStride+e.w]
		dst := e.cur.y[y*pw : (y+1)*pw]
		copy(dst, row)
		for x := e.w; x < pw; x++ {
			dst[x] = row[e.w-1]
		}
	}
	cw, ch := pw/2, ph/2
	for y := range ch {
		sy := min(y, e.h/2-1)
		for _, p := range []struct{ src, dst []byte }{{img.Cb, e.cur.cb}, {img.Cr, e.cur.cr}} {
			row := p.src[sy*img.CStride : sy*img.CStride+e.w/2]
			dst := p.dst[y*cw : (y+1)*cw]
			copy(dst, row)
			for x := e.w / 2; x < cw; x++ {
				dst[x] = row[e.w/2-1]
			}
		}
	}
	// I_PCM samples of 0 were forbidden in the first edition of the
	// standard (against start code emulation); some decoders still check.
	for _, p := range [][]byte{e.cur.y, e.cur.cb, e.cur.cr} {
		for i, v := range p {
			if v == 0 {
				p[i] = 1
			}
		}
	}
}

// slice encodes the picture in cur: every macroblock I_PCM in an IDR
// picture; in a P picture only those that differ from prev.
func (e *Encoder) slice(idr bool) []byte {
	var w bitWriter
	w.buf = make([]byte, 0, e.mbw*e.mbh*400/8)
	w.ue(0) // first_mb_in_slice
	if idr {
		w.ue(7) // slice_type: I, all slices of the picture
	} else {
		w.ue(5) // P, all slices
	}
	w.ue(0) // pic_parameter_set_id
	w.u(log2MaxFrameNum, uint64(e.frameNum))
	if idr {
		w.ue(e.idrID % 65536) // idr_pic_id: differs between consecutive IDRs
	} else {
		w.flag(false) // num_ref_idx_active_override_flag
		w.flag(false) // ref_pic_list_modification_flag_l0
	}
	// dec_ref_pic_marking
	if idr {
		w.flag(false) // no_output_of_prior_pics_flag
		w.flag(false) // long_term_reference_flag
	} else {
		w.flag(false) // adaptive_ref_pic_marking_mode_flag: sliding window
	}
	w.se(0) // slice_qp_delta
	w.ue(1) // disable_deblocking_filter_idc: off
	skip := uint32(0)
	for mb := range e.mbw * e.mbh {
		if !idr && !e.changed(mb) {
			skip++
			continue
		}
		if !idr {
			w.ue(skip) // mb_skip_run
			skip = 0
			w.ue(mbIPCMinP)
		} else {
			w.ue(mbIPCMinI)
		}
		w.align()
		e.pcm(&w, mb)
	}
	if skip > 0 {
		w.ue(skip)
	}
	w.trailing()
	if idr {
		return w.nal(nalIDR)
	}
	return w.nal(nalSlice)
}

// changed says whether macroblock mb differs between cur and prev.
func (e *Encoder) changed(mb int) bool {
	pw := e.mbw * 16
	x0, y0 := mb%e.mbw*16, mb/e.mbw*16
	for y := y0; y < y0+16; y++ {
		o := y*pw + x0
		if string(e.cur.y[o:o+16]) != string(e.prev.y[o:o+16]) {
			return true
		}
	}
	cw := pw / 2
	for y := y0 / 2; y < y0/2+8; y++ {
		o := y*cw + x0/2
		if string(e.cur.cb[o:o+8]) != string(e.prev.cb[o:o+8]) || string(e.cur.cr[o:o+8]) != string(e.prev.cr[o:o+8]) {
			return true
		}
	}
	return false
}

// pcm writes macroblock mb's samples: 256 luma, 64 Cb, 64 Cr, in raster
// order.
func (e *Encoder) pcm(w *bitWriter, mb int) {
	pw := e.mbw * 16
	x0, y0 := mb%e.mbw*16, mb/e.mbw*16
	for y := y0; y < y0+16; y++ {
		w.raw(e.cur.y[y*pw+x0 : y*pw+x0+16])
	}
	cw := pw / 2
	for _, p := range [][]byte{e.cur.cb, e.cur.cr} {
		for y := y0 / 2; y < y0/2+8; y++ {
			w.raw(p[y*cw+x0/2 : y*cw+x0/2+8])
		}
	}
}
