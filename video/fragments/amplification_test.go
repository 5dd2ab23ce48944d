package fragments

import (
	"bufio"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// procIO reads this process's I/O counters: wchar (bytes handed to write
// system calls) and write_bytes (bytes of page cache dirtied, which reach
// the disk).
func procIO(t *testing.T) (wchar, writeBytes int64) {
	f, err := os.Open("/proc/self/io")
	if err != nil {
		t.Skipf("no /proc/self/io: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ": ")
		n, _ := strconv.ParseInt(v, 10, 64)
		switch k {
		case "wchar":
			wchar = n
		case "write_bytes":
			writeBytes = n
		}
	}
	return wchar, writeBytes
}

// TestWriteAmplification records two minutes of a 2 Mbit/s, 25 fps H.264
// stream (an IDR of 40 KB every second, P frames of 8.7 KB; the slices are
// random bytes, which the store does not decode) with the index committed
// every 30 s of media, as the default IndexInterval does in real time, and
// counts the bytes the process wrote per byte received. The target of the
// video benchmark is 1.02. It logs the page cache dirtied too: each
// fragment's append dirties again the page the previous one ended in.
func TestWriteAmplification(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 30 MB")
	}
	m := media(t)
	s := openStore(t, t.TempDir(), Options{IndexInterval: time.Hour})
	r, err := s.Record("cam", []Track{m.track()})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	slice := func(idr bool, n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		b[0] = 0x41 // nal_ref_idc 2, non-IDR slice
		if idr {
			b[0] = 0x65
		}
		return b
	}
	const frames = 25 * 120
	wchar0, wb0 := procIO(t)
	for i := 0; i < frames; i++ {
		size := 8700
		if i%25 == 0 {
			size = 40000
		}
		d := time.Duration(i) * 40 * time.Millisecond
		if err := r.WriteFrame(Frame{Track: 1, DTS: d, PTS: d, NALUs: [][]byte{slice(i%25 == 0, size)}, Received: t0.Add(d)}); err != nil {
			t.Fatal(err)
		}
		if i%750 == 749 {
			if err := s.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := r.Close("", ""); err != nil {
		t.Fatal(err)
	}
	wchar1, wb1 := procIO(t)
	info, _ := s.Camera("cam")
	received := float64(info.Stats.BytesReceived)
	syscalls := float64(wchar1-wchar0) / received
	disk := float64(wb1-wb0) / received
	files := float64(info.Stats.BytesWritten) / received
	t.Logf("received %d bytes in %d frames (%.2f Mbit/s); %d fragments, %d fsyncs", info.Stats.BytesReceived, frames,
		received*8/120/1e6, info.Stats.Fragments, info.Stats.Fsyncs)
	t.Logf("written per byte received: segment files %.4f, all write calls (index included) %.4f, page cache dirtied %.4f",
		files, syscalls, disk)
	if syscalls > 1.02 {
		t.Errorf("write amplification %.4f, over 1.02", syscalls)
	}
}
