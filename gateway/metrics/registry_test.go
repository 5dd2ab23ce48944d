package metrics

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/shards"
)

func TestStreamMetrics(t *testing.T) {
	st, err := shards.Open(t.TempDir(), shards.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := st.CreateStream("sensors", shards.StreamConfig{Shards: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutRecords(context.Background(), []shards.PutEntry{
		{PartitionKey: "a", Data: []byte("12345")}, {PartitionKey: "b", Data: []byte("678")},
	}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(st).Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`tidegate_stream_records_in_total{stream="sensors"} 2`,
		`tidegate_stream_bytes_in_total{stream="sensors"} 8`,
		`tidegate_stream_open_shards{stream="sensors"} 2`,
		`tidegate_stream_segments{stream="sensors"} 1`,
		"go_goroutines",
		"process_resident_memory_bytes",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestAPIMetrics(t *testing.T) {
	st, err := shards.Open(t.TempDir(), shards.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reg := New(st)
	api := reg.NewAPI("kinesis")
	api.Request("PutRecords", "", 3*time.Millisecond)
	api.Request("GetRecords", "ExpiredIteratorException", time.Millisecond)
	api.RecordsRejected("sensors", "ProvisionedThroughputExceededException", 7)
	srv := httptest.NewServer(reg.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`tidegate_api_request_duration_seconds_count{api="kinesis",operation="PutRecords"} 1`,
		`tidegate_api_errors_total{api="kinesis",operation="GetRecords",type="ExpiredIteratorException"} 1`,
		`tidegate_api_records_rejected_total{api="kinesis",code="ProvisionedThroughputExceededException",stream="sensors"} 7`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// A step of the wall clock (here while the store was closed, in the same
// boot) is counted; the synchronized flag is the kernel's (here injected).
func TestClockMetrics(t *testing.T) {
	dir := t.TempDir()
	wall := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	opts := shards.Options{Clock: func() time.Time { return wall }, Monotonic: standingClock{}, Synced: func() bool { return false }}
	st, err := shards.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	wall = wall.Add(time.Hour)
	st, err = shards.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewServer(New(st).Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"tidegate_clock_steps_total 1", "tidegate_clock_synchronized 0"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// standingClock is a monotonic clock that does not run: the step above is
// the wall clock's alone.
type standingClock struct{}

func (standingClock) Now() (string, time.Duration) { return "boot-1", time.Hour }
