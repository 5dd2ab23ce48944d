package cameras

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"

	"github.com/tidegate/tidegate/video/fragments"
)

// clip is the H.264 clip of the fragment store's testdata in access units:
// 50 frames at 25 fps, an IDR at 0 and 25.
type clip struct {
	sps, pps []byte
	aus      [][][]byte
}

var loadClip = sync.OnceValues(func() (*clip, error) {
	raw, err := os.ReadFile(filepath.Join("..", "fragments", "testdata", "clip.h264"))
	if err != nil {
		return nil, err
	}
	var nalus h264.AnnexB
	if err := nalus.Unmarshal(raw); err != nil {
		return nil, err
	}
	c := &clip{}
	var au [][]byte
	for _, n := range nalus {
		switch h264.NALUType(n[0] & 0x1f) {
		case h264.NALUTypeSPS:
			c.sps = n
		case h264.NALUTypePPS:
			c.pps = n
		case h264.NALUTypeIDR, h264.NALUTypeNonIDR:
			c.aus = append(c.aus, append(au, n))
			au = nil
		default:
			au = append(au, n)
		}
	}
	return c, nil
})

func testClip(t testing.TB) *clip {
	t.Helper()
	c, err := loadClip()
	if err != nil || len(c.aus) != 50 {
		t.Fatalf("clip: %v", err)
	}
	return c
}

func (c *clip) tracks() []fragments.Track {
	return []fragments.Track{{ID: 1, Codec: fragments.H264{SPS: c.sps, PPS: c.pps}}}
}

// frame i of an endless loop of the clip, received at base + its DTS.
func (c *clip) frame(i int, base time.Time) fragments.Frame {
	d := time.Duration(i) * 40 * time.Millisecond
	return fragments.Frame{Track: 1, DTS: d, PTS: d, NALUs: c.aus[i%len(c.aus)], Received: base.Add(d)}
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(logWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type logWriter struct{ t testing.TB }

func (w logWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func openStore(t testing.TB, opts fragments.Options) *fragments.Store {
	t.Helper()
	opts.Logger = testLogger(t)
	st, err := fragments.Open(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newManager(t testing.TB, st *fragments.Store) *Manager {
	t.Helper()
	m := &Manager{Store: st, Logger: testLogger(t)}
	if err := m.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// The test source type: `source: test:<id>` runs the feed registered
// under id, so a test drives the sessions itself.
type testConfig struct {
	Rate int `yaml:"rate"`
}

func (c *testConfig) Validate() error { return nil }

type feed func(ctx context.Context, cam *Camera)

var feeds sync.Map // id → feed

type testSource struct{ id string }

func (s testSource) Run(ctx context.Context, cam *Camera) {
	f, ok := feeds.Load(s.id)
	if !ok || f.(feed) == nil {
		<-ctx.Done()
		return
	}
	f.(feed)(ctx, cam)
}

func init() {
	RegisterSource(SourceType{
		Name:      "test",
		Forms:     []string{"test:…"},
		Accepts:   func(s string) bool { return strings.HasPrefix(s, "test:") },
		NewConfig: func() SourceConfig { return new(testConfig) },
		New: func(source string, _ SourceConfig, _ Env) (Source, error) {
			return testSource{id: strings.TrimPrefix(source, "test:")}, nil
		},
	})
}

func testSpec(t testing.TB, name string, f feed) Spec {
	id := t.Name() + "/" + name
	feeds.Store(id, f)
	t.Cleanup(func() { feeds.Delete(id) })
	return Spec{Name: name, Source: "test:" + id, Config: &testConfig{}}
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// sample is a stored video sample, as a fragment's trun says.
type sample struct {
	fragment uint64
	dts      uint64 // decode time in the track's timescale
	key      bool
	size     int
}

// storedSamples reads every fragment of a camera and returns the samples
// of track 1 in order.
func storedSamples(t testing.TB, st *fragments.Store, camera string) []sample {
	t.Helper()
	frs, err := st.Fragments(camera, fragments.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var out []sample
	for _, fr := range frs {
		m, err := st.ReadFragment(camera, fr.Number)
		if err != nil {
			t.Fatal(err)
		}
		var parts fmp4.Parts
		if err := parts.Unmarshal(m.Data); err != nil {
			t.Fatalf("fragment %d: %v", fr.Number, err)
		}
		for _, p := range parts {
			for _, pt := range p.Tracks {
				if pt.ID != 1 {
					continue
				}
				dts := pt.BaseTime
				for _, s := range pt.Samples {
					out = append(out, sample{fragment: fr.Number, dts: dts, key: !s.IsNonSyncSample, size: len(s.Payload)})
					dts += uint64(s.Duration)
				}
			}
		}
	}
	return out
}

func gaps(t testing.TB, st *fragments.Store, camera string) []fragments.Gap {
	t.Helper()
	g, err := st.Gaps(camera, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return g
}
