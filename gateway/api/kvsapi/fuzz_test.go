package kvsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tidegate/tidegate/video/fragments"
	"github.com/tidegate/tidegate/video/frames"
)

// mjpegRig is an API over a store with two seconds of MJPEG made in Go,
// so that the fuzz test needs no ffmpeg and decodes nothing.
func mjpegRig(t testing.TB) *API {
	st, err := fragments.Open(t.TempDir(), fragments.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	rec, err := st.Record("cam", []fragments.Track{{ID: 1, Codec: fragments.MJPEG{Width: 32, Height: 16}}})
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 32, 16))
	for i := range 50 {
		img.Set(i%32, 8, color.White)
		var b bytes.Buffer
		jpeg.Encode(&b, img, nil)
		d := time.Duration(i) * 40 * time.Millisecond
		if err := rec.WriteFrame(fragments.Frame{Track: 1, DTS: d, PTS: d, Payload: b.Bytes(), Received: t0.Add(d)}); err != nil {
			t.Fatal(err)
		}
	}
	rec.Close(fragments.ReasonCameraOffline, "")
	return &API{Store: st, Frames: &frames.Extractor{Store: st}}
}

// FuzzAPI feeds every operation any JSON body: the answer is a success
// or an AWS-shaped error (a status AWS uses, X-Amzn-Errortype, a JSON
// body with a message), never a panic or a hang.
func FuzzAPI(f *testing.F) {
	a := mjpegRig(f)
	start, end := float64(t0.Unix()), float64(t0.Add(2*time.Second).Unix())
	seed := func(path string, v any) {
		b, _ := json.Marshal(v)
		f.Add(path, b)
	}
	rng := map[string]any{"StartTimestamp": start, "EndTimestamp": end}
	seed("/describeStream", map[string]any{"StreamName": "cam"})
	seed("/describeStream", map[string]any{"StreamARN": "arn:aws:kinesisvideo:us-east-1:0:stream/cam/0"})
	seed("/listStreams", map[string]any{"MaxResults": 1, "StreamNameCondition": map[string]any{"ComparisonOperator": "BEGINS_WITH", "ComparisonValue": "c"}})
	seed("/getDataEndpoint", map[string]any{"StreamName": "cam", "APIName": "GET_CLIP"})
	seed("/listFragments", map[string]any{"StreamName": "cam", "MaxResults": 1, "FragmentSelector": map[string]any{"FragmentSelectorType": "SERVER_TIMESTAMP", "TimestampRange": rng}})
	seed("/listFragments", map[string]any{"StreamName": "cam", "NextToken": "djEgUyAwIDEwMDAwMDAwMDAwMDAwMDAwMDAgMA=="})
	seed("/getClip", map[string]any{"StreamName": "cam", "ClipFragmentSelector": map[string]any{"FragmentSelectorType": "PRODUCER_TIMESTAMP", "TimestampRange": rng}})
	seed("/getClip", map[string]any{"StreamName": "cam", "ClipFragmentSelector": map[string]any{"FragmentSelectorType": "SERVER_TIMESTAMP", "TimestampRange": rng}})
	seed("/getImages", map[string]any{"StreamName": "cam", "ImageSelectorType": "SERVER_TIMESTAMP", "StartTimestamp": start, "EndTimestamp": end,
		"SamplingInterval": 100, "Format": "PNG", "FormatConfig": map[string]string{"JPEGQuality": "50"}, "WidthPixels": 8, "MaxResults": 3})
	seed("/getMediaForFragmentList", map[string]any{"StreamName": "cam", "Fragments": []string{"1", "1"}})
	seed("/getHLSStreamingSessionURL", map[string]any{"StreamName": "cam", "PlaybackMode": "ON_DEMAND", "HLSFragmentSelector": map[string]any{"TimestampRange": rng}})
	seed("/getMedia", map[string]any{"StreamName": "cam", "StartSelector": map[string]any{"StartSelectorType": "EARLIEST"}})
	f.Add("/getImages", []byte(`{"StreamName":"cam","StartTimestamp":"x","EndTimestamp":1e400}`))
	f.Add("/listFragments", []byte(`{"StreamName":"cam"} {}`))
	f.Fuzz(func(t *testing.T, path string, body []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body)).WithContext(ctx)
		r.URL.Path = path
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		a.ServeHTTP(w, r)
		if w.Code == http.StatusOK {
			return
		}
		switch w.Code {
		case 400, 403, 404, 500:
		default:
			t.Fatalf("status %d", w.Code)
		}
		var e struct{ Message *string }
		if w.Header().Get("X-Amzn-Errortype") == "" || json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Message == nil {
			t.Fatalf("%d %v %s", w.Code, w.Header(), w.Body)
		}
	})
}
