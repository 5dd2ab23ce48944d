package disk

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// fakeDisk is a filesystem whose free space the test sets, counting the
// samples taken.
type fakeDisk struct {
	mu      sync.Mutex
	total   int64
	free    int64
	samples int
	err     error
}

func (d *fakeDisk) statfs(string) (Space, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.samples++
	return Space{Total: d.total, Free: d.free}, d.err
}

func (d *fakeDisk) set(free int64) {
	d.mu.Lock()
	d.free = free
	d.mu.Unlock()
}

func (d *fakeDisk) sampleCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.samples
}

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const mib = 1 << 20

// newGuard makes a guard over a fake disk of total bytes with free free,
// a reserve of 10 MiB, logging into the returned buffer.
func newGuard(t *testing.T, total, free int64) (*Guard, *fakeDisk, *clock, *bytes.Buffer) {
	t.Helper()
	d := &fakeDisk{total: total, free: free}
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	var logs bytes.Buffer
	g, err := New("/data", Options{Reserve: Reserve{Bytes: 10 * mib}, Statfs: d.statfs, Clock: c.now,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return g, d, c, &logs
}

func TestReserveOf(t *testing.T) {
	for _, tc := range []struct {
		r     Reserve
		total int64
		want  int64
	}{
		{Reserve{}, 24 * mib, 24 * mib * 5 / 100}, // small card: 5 %
		{Reserve{}, 32 << 30, 64 * mib},           // large card: 64 MiB
		{Reserve{Bytes: 5 * mib}, 32 << 30, 5 * mib},
		{Reserve{Percent: 10}, 100 * mib, 10 * mib},
		{Reserve{Percent: 0.5}, 1000, 5},
	} {
		if got := tc.r.Of(tc.total); got != tc.want {
			t.Errorf("%v of %d: %d, want %d", tc.r, tc.total, got, tc.want)
		}
	}
	for _, bad := range []Reserve{{Bytes: -1}, {Percent: -1}, {Percent: 101}, {Bytes: 1, Percent: 1}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
	if err := (Reserve{}).Validate(); err != nil {
		t.Errorf("default: %v", err)
	}
}

func TestAdmitRefusesBelowTheReserveAndSaysSo(t *testing.T) {
	g, d, _, _ := newGuard(t, 100*mib, 20*mib)
	if err := g.Admit(9 * mib); err != nil {
		t.Fatalf("9 MiB of 20 free above a 10 MiB reserve: %v", err)
	}
	d.set(11 * mib) // written
	// 11 MiB free: 2 more do not fit above the reserve.
	err := g.Admit(2 * mib)
	var full *FullError
	if !errors.As(err, &full) || !errors.Is(err, ErrFull) {
		t.Fatalf("2 MiB more: %v, want a FullError", err)
	}
	want := fmt.Sprintf("data directory full: %d bytes free, reserve %d", 11*mib, 10*mib)
	if err.Error() != want {
		t.Errorf("refusal says %q, want %q", err, want)
	}
	st := g.State()
	if !st.Full || st.Reason != want || st.Refused != 1 || st.Free != 11*mib || st.Reserve != 10*mib || st.Total != 100*mib {
		t.Errorf("state %+v", st)
	}
	// Full: even a small put is refused now.
	if err := g.Admit(1); !errors.Is(err, ErrFull) {
		t.Errorf("1 byte while full: %v", err)
	}
}

func TestAPutTooLargeForWhatIsLeftIsRefusedAlone(t *testing.T) {
	g, _, _, logs := newGuard(t, 100*mib, 30*mib)
	if err := g.Admit(25 * mib); !errors.Is(err, ErrFull) {
		t.Fatalf("25 MiB with 20 above the reserve: %v", err)
	}
	if st := g.State(); st.Full {
		t.Errorf("one put too large began the full state: %+v", st)
	}
	if err := g.Admit(5 * mib); err != nil {
		t.Errorf("5 MiB after it: %v", err)
	}
	if logs.Len() != 0 {
		t.Errorf("logged: %s", logs)
	}
}

func TestAdmitCountsWhatItLetInBetweenSamples(t *testing.T) {
	// The clock stands still and the disk shows nothing of the puts yet
	// (they are on their way to it): the guard counts what it let in.
	g, d, _, _ := newGuard(t, 100*mib, 12*mib)
	if err := g.Admit(mib); err != nil {
		t.Fatal(err)
	}
	if err := g.Admit(mib); err != nil {
		t.Fatal(err)
	}
	if err := g.Admit(mib); !errors.Is(err, ErrFull) || !strings.Contains(err.Error(), fmt.Sprintf(" %d bytes free", 10*mib)) {
		t.Fatalf("a third MiB with 12 free and 2 admitted: %v", err)
	}
	if s := d.sampleCount(); s != 1 {
		t.Errorf("%d samples, want the first alone", s)
	}
}

func TestResamplesAfterAQuarterOfTheReserve(t *testing.T) {
	g, d, _, _ := newGuard(t, 100*mib, 50*mib)
	before := d.sampleCount()
	for range 10 {
		if err := g.Admit(1 * mib); err != nil {
			t.Fatal(err)
		}
	}
	// Ten puts of a MiB, a sample before the next once 2.5 MiB were
	// admitted: before the 4th, the 7th and the 10th.
	if got := d.sampleCount() - before; got != 3 {
		t.Errorf("%d samples after 10 MiB with a 10 MiB reserve, want 3", got)
	}
}

func TestFullEndsOnceAMarginAboveTheReserveIsFree(t *testing.T) {
	g, d, c, logs := newGuard(t, 100*mib, 10*mib+mib/2) // a margin of 1.25 MiB
	if err := g.Admit(mib); !errors.Is(err, ErrFull) {
		t.Fatalf("admit: %v", err)
	}
	for range 100 {
		g.Admit(4096)
	}
	// Just above the reserve: still full, so the state does not flap as
	// each freed segment is filled again.
	d.set(10*mib + mib)
	c.advance(time.Second)
	if st := g.State(); !st.Full {
		t.Fatalf("11 MiB free with a 10 MiB reserve ended the state: %+v", st)
	}
	d.set(10*mib + 10*mib/8)
	c.advance(time.Second)
	st := g.State()
	if st.Full || st.Refused != 101 {
		t.Fatalf("a margin above the reserve free: %+v", st)
	}
	if err := g.Admit(mib / 8); err != nil {
		t.Errorf("admit after: %v", err)
	}
	// Once when it began, once when it ended, however many refusals.
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "level=WARN") || !strings.Contains(lines[0], "data directory full") ||
		!strings.Contains(lines[1], "has room again") || !strings.Contains(lines[1], "refused=101") {
		t.Errorf("log:\n%s", logs)
	}
}

func TestStartingOnAFullDiskIsFull(t *testing.T) {
	g, _, _, logs := newGuard(t, 100*mib, 3*mib)
	if st := g.State(); !st.Full || !strings.Contains(st.Reason, "3145728 bytes free, reserve 10485760") {
		t.Errorf("state %+v", st)
	}
	if !strings.Contains(logs.String(), "data directory full") {
		t.Errorf("log: %s", logs)
	}
}

func TestAFailedWriteRefusesNewDataThoughTheSampleShowsRoom(t *testing.T) {
	// A quota or a filesystem out of inodes answers ENOSPC with blocks
	// free: the guard believes the write.
	g, _, c, _ := newGuard(t, 100*mib, 50*mib)
	cause := &fs.PathError{Op: "write", Path: "/data/x", Err: syscall.ENOSPC}
	err := g.Refresh(fmt.Errorf("shards: write segment: %w", cause))
	if !errors.Is(err, ErrFull) || !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "no space left on device") {
		t.Fatalf("refresh: %v", err)
	}
	if err := g.Admit(1); !errors.Is(err, ErrFull) {
		t.Fatalf("admit right after: %v", err)
	}
	c.advance(DefaultInterval)
	if err := g.Admit(1); err != nil {
		t.Errorf("admit an interval later, room shown: %v", err)
	}
	if err := g.Refresh(errors.New("some other failure")); err != nil {
		t.Errorf("refresh after another error: %v", err)
	}
}

func TestRefreshSeesFreedSpaceAtOnce(t *testing.T) {
	g, d, _, _ := newGuard(t, 100*mib, 5*mib)
	if err := g.Admit(1); err == nil {
		t.Fatal("admitted below the reserve")
	}
	d.set(40 * mib) // a segment deleted
	if err := g.Refresh(nil); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if err := g.Admit(1); err != nil {
		t.Errorf("admit: %v", err)
	}
}

func TestAFailedSampleKeepsTheLastOne(t *testing.T) {
	g, d, c, logs := newGuard(t, 100*mib, 50*mib)
	d.mu.Lock()
	d.err = errors.New("statfs broke")
	d.mu.Unlock()
	for range 5 {
		c.advance(time.Second)
		if err := g.Admit(1); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(logs.String(), "statfs broke"); n != 1 {
		t.Errorf("logged %d times:\n%s", n, logs)
	}
}

func TestSetReserve(t *testing.T) {
	g, _, _, _ := newGuard(t, 100*mib, 15*mib)
	if err := g.SetReserve(Reserve{Percent: 20}); err != nil {
		t.Fatal(err)
	}
	if st := g.State(); !st.Full || st.Reserve != 20*mib {
		t.Errorf("state %+v", st)
	}
	if err := g.SetReserve(Reserve{Percent: 200}); err == nil {
		t.Error("200% taken")
	}
}

func TestUsagePerStore(t *testing.T) {
	dir := t.TempDir()
	g, err := New(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, n int) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, bytes.Repeat([]byte{1}, n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("shards/a.seg", 1<<20)
	write("shards/b.seg", 1<<20)
	write("uplink/x.inflight", 100)
	// A sparse file counts the blocks it holds, not its size.
	f, err := os.Create(filepath.Join(dir, "shards/sparse.seg"))
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{1})
	f.Truncate(64 << 20)
	f.Close()
	g.Track("shards", filepath.Join(dir, "shards"))
	g.Track("uplink", filepath.Join(dir, "uplink"))
	g.Track("mqtt", filepath.Join(dir, "mqtt")) // not there yet
	u := g.Usage()
	if u["shards"] < 2<<20 || u["shards"] > 3<<20 {
		t.Errorf("shards: %d bytes", u["shards"])
	}
	if u["uplink"] < 100 || u["uplink"] > 1<<20 {
		t.Errorf("uplink: %d bytes", u["uplink"])
	}
	if n, ok := u["mqtt"]; !ok || n != 0 {
		t.Errorf("mqtt: %d, %v", n, ok)
	}
	// Cached: a new file shows only after UsageInterval.
	write("mqtt/sessions.db", 1<<20)
	if u := g.Usage(); u["mqtt"] != 0 {
		t.Errorf("walked again at once: %v", u)
	}
}

func TestStatfsOfARealDirectory(t *testing.T) {
	g, err := New(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := g.State()
	if st.Total <= 0 || st.Free < 0 || st.Free > st.Total || st.Reserve != (Reserve{}).Of(st.Total) {
		t.Errorf("state %+v", st)
	}
}

func TestIsNoSpace(t *testing.T) {
	for err, want := range map[error]bool{
		nil:                                 false,
		syscall.ENOSPC:                      true,
		fmt.Errorf("x: %w", syscall.EDQUOT): true,
		errors.New("file resize error: write /d/x: no space left on device"): true,
		syscall.EIO:                     false,
		&FullError{Free: 1, Reserve: 2}: false,
	} {
		if got := IsNoSpace(err); got != want {
			t.Errorf("IsNoSpace(%v) = %v", err, got)
		}
	}
}

func TestShortSaysHowMuchToFree(t *testing.T) {
	g, _, c, logs := newGuard(t, 100*mib, 12*mib)
	if n := g.Short(mib); n != 0 {
		t.Errorf("1 MiB with 2 above the reserve: short %d", n)
	}
	if n := g.Short(3 * mib); n != mib {
		t.Errorf("3 MiB with 2 above the reserve: short %d", n)
	}
	// Asking refuses nothing and begins nothing.
	if st := g.State(); st.Full || st.Refused != 0 || logs.Len() != 0 {
		t.Errorf("after asking: %+v %s", st, logs)
	}
	// While full, the margin counts too.
	if err := g.Admit(3 * mib); err == nil {
		t.Fatal("admitted")
	}
	g.Admit(2 * mib) // 12 - 2 = 10: fits
	if err := g.Admit(mib); err == nil || !g.State().Full {
		t.Fatalf("1 MiB more: %v", err)
	}
	if n, want := g.Short(mib), int64(10*mib+10*mib/8-10*mib); n != want {
		t.Errorf("1 MiB while full: short %d, want %d (the margin)", n, want)
	}
	// A failed write holds the state: freeing would not help yet.
	g.Refresh(syscall.ENOSPC)
	if n := g.Short(1); n != 0 {
		t.Errorf("held: short %d", n)
	}
	c.advance(time.Second)
	if n := g.Short(1); n != 0 {
		t.Errorf("after the hold, 12 MiB free: short %d", n)
	}
}

func TestMargin(t *testing.T) {
	for reserve, want := range map[int64]int64{512 << 10: 512 << 10, mib: mib, 5 * mib: mib, 10 * mib: 10 * mib / 8, 64 * mib: 8 * mib} {
		if got := margin(reserve); got != want {
			t.Errorf("margin(%d) = %d, want %d", reserve, got, want)
		}
	}
}

func TestStartingWithinTheMarginIsFull(t *testing.T) {
	// 10.5 MiB free, a 10 MiB reserve and a margin of 1.25: a gateway
	// restarted on a disk it had filled is as full as before.
	g, _, _, _ := newGuard(t, 100*mib, 10*mib+mib/2)
	if st := g.State(); !st.Full {
		t.Errorf("state %+v", st)
	}
	if err := g.Admit(1); !errors.Is(err, ErrFull) {
		t.Errorf("admit: %v", err)
	}
}
