package shards

// The crash test. A child process (this test binary re-executed with
// -test.run=^TestCrashChild$) writes to a store at full speed with several
// writers, splits and merges shards, and prints a line for every record
// whose put has returned. The parent kills it with SIGKILL at a random
// moment, reopens the store and checks that every acknowledged record is
// there, unchanged, in order; then it starts the next child on the same
// directory.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Environment of a crash child. The child runs only when crashEnvDir is set.
const (
	crashEnvDir     = "TIDEGATE_CRASH_CHILD_DIR"
	crashEnvRun     = "TIDEGATE_CRASH_CHILD_RUN"     // iteration number: makes writer ids unique
	crashEnvSeed    = "TIDEGATE_CRASH_CHILD_SEED"    // seeds the child's randomness
	crashEnvReshard = "TIDEGATE_CRASH_CHILD_RESHARD" // "1": split and merge while writing
	crashEnvClock   = "TIDEGATE_CRASH_CHILD_CLOCK"   // clock offset in ms (forces a segment roll)
)

const (
	crashStream    = "crash"
	crashWriters   = 8
	crashKeys      = 500 // partition keys are pk-0 … pk-499
	crashRetention = 7 * 24 * time.Hour
	crashMaxPad    = 600
)

// crashPad returns the padding of the record whose header is h: its length
// and bytes derive from the header, so the parent can check every byte of
// every record it reads. A payload is "<header>|<padding>".
func crashPad(h []byte) (n int, sum uint32) {
	f := fnv.New32a()
	f.Write(h)
	sum = f.Sum32()
	return int(sum % crashMaxPad), sum
}

func crashPayload(h string) []byte {
	n, sum := crashPad([]byte(h))
	b := make([]byte, 0, len(h)+1+n)
	b = append(b, h...)
	b = append(b, '|')
	for i := 0; i < n; i++ {
		b = append(b, byte('a'+(uint32(i)+sum)%26))
	}
	return b
}

// checkCrashPayload checks a payload's padding against its header and
// returns the header.
func checkCrashPayload(data []byte) ([]byte, bool) {
	i := bytes.IndexByte(data, '|')
	if i < 0 {
		return nil, false
	}
	h, pad := data[:i], data[i+1:]
	n, sum := crashPad(h)
	if len(pad) != n {
		return h, false
	}
	for j, c := range pad {
		if c != byte('a'+(uint32(j)+sum)%26) {
			return h, false
		}
	}
	return h, true
}

// A header is "r<run>.w<writer>.c<counter>.pk-<key>": the record is the
// counter-th of writer <writer> of child <run>, put with key pk-<key>.
func crashMakeHeader(run, w, counter, key int) string {
	return fmt.Sprintf("r%d.w%d.c%d.pk-%d", run, w, counter, key)
}

// parseCrashHeader returns the global writer id (run*crashWriters+w), the
// counter and the key number.
func parseCrashHeader(h []byte) (writer, counter, key int, ok bool) {
	var v [4]int
	for i, p := range []string{"r", ".w", ".c", ".pk-"} {
		if !bytes.HasPrefix(h, []byte(p)) {
			return 0, 0, 0, false
		}
		h = h[len(p):]
		n := 0
		for n < len(h) && h[n] >= '0' && h[n] <= '9' {
			v[i] = v[i]*10 + int(h[n]-'0')
			n++
		}
		if n == 0 || n > 9 {
			return 0, 0, 0, false
		}
		h = h[n:]
	}
	if len(h) != 0 || v[1] >= crashWriters || v[3] >= crashKeys {
		return 0, 0, 0, false
	}
	return v[0]*crashWriters + v[1], v[2], v[3], true
}

// TestCrashChild is the child process of TestCrash; it skips unless
// started by it.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnvDir)
	if dir == "" {
		t.Skip("only runs as the child process of TestCrash")
	}
	run, _ := strconv.Atoi(os.Getenv(crashEnvRun))
	seed, _ := strconv.ParseUint(os.Getenv(crashEnvSeed), 10, 64)
	offsetMs, _ := strconv.ParseInt(os.Getenv(crashEnvClock), 10, 64)
	offset := time.Duration(offsetMs) * time.Millisecond

	out := &crashOut{w: os.Stdout}
	fail := func(format string, args ...any) {
		out.line("ERR " + fmt.Sprintf(format, args...))
		os.Exit(3)
	}
	// Never outlive the parent, nor run for ever if it forgets us.
	go func() {
		ppid := os.Getppid()
		deadline := time.Now().Add(2 * time.Minute)
		for time.Now().Before(deadline) && os.Getppid() == ppid {
			time.Sleep(100 * time.Millisecond)
		}
		os.Exit(4)
	}()

	opts := Options{}
	if offset != 0 {
		opts.Clock = func() time.Time { return time.Now().Add(offset) }
	}
	st, err := Open(dir, opts)
	if err != nil {
		fail("open: %v", err)
	}
	s, err := st.Stream(crashStream)
	if errors.Is(err, ErrNotFound) {
		s, err = st.CreateStream(crashStream, StreamConfig{Shards: 4, Retention: crashRetention})
	}
	if err != nil {
		fail("stream: %v", err)
	}
	out.line("READY")

	var wg sync.WaitGroup
	for w := 0; w < crashWriters; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			counter := 0
			var lines []byte
			for {
				var n int
				switch rng.IntN(3) {
				case 0:
					n = 1 + rng.IntN(10)
				case 1:
					n = 1 + rng.IntN(100)
				default:
					n = 1 + rng.IntN(MaxRecordsPerPut)
				}
				entries := make([]PutEntry, n)
				headers := make([]string, n)
				for i := range entries {
					key := rng.IntN(crashKeys)
					headers[i] = crashMakeHeader(run, w, counter, key)
					counter++
					entries[i] = PutEntry{PartitionKey: "pk-" + strconv.Itoa(key), Data: crashPayload(headers[i])}
				}
				res, err := s.PutRecords(context.Background(), entries)
				if err != nil {
					fail("writer %d: put: %v", w, err)
				}
				// The put has returned: acknowledge its records.
				lines = lines[:0]
				for i, r := range res {
					lines = fmt.Appendf(lines, "A %s %s %s\n", r.ShardID, r.SequenceNumber, headers[i])
				}
				out.write(lines)
			}
		}()
	}
	if os.Getenv(crashEnvReshard) == "1" {
		go crashReshard(s, rand.New(rand.NewPCG(seed, 1<<32)), out, fail)
	}
	wg.Wait() // never: the writers run until the parent kills us
}

// crashReshard splits and merges open shards, keeping between 2 and about
// 10 of them open.
func crashReshard(s *Stream, rng *rand.Rand, out *crashOut, fail func(string, ...any)) {
	for {
		time.Sleep(time.Duration(10+rng.IntN(70)) * time.Millisecond)
		var open []ShardInfo
		for _, sh := range s.Shards() {
			if sh.Open() {
				open = append(open, sh)
			}
		}
		sort.Slice(open, func(i, j int) bool { return open[i].HashKeyRange.Start.Cmp(open[j].HashKeyRange.Start) < 0 })
		if len(open) < 3 || (len(open) < 10 && rng.IntN(2) == 0) {
			sh := open[rng.IntN(len(open))]
			r := sh.HashKeyRange
			if r.width().Cmp(HashKey{0, 1}) < 0 {
				continue
			}
			key := r.Start.add(r.width().half()).inc()
			if err := s.SplitShard(sh.ShardID, key.String()); err != nil {
				fail("split %s at %s: %v", sh.ShardID, key, err)
			}
			out.line("R split " + sh.ShardID)
		} else {
			i := rng.IntN(len(open) - 1)
			if err := s.MergeShards(open[i].ShardID, open[i+1].ShardID); err != nil {
				fail("merge %s %s: %v", open[i].ShardID, open[i+1].ShardID, err)
			}
			out.line("R merge " + open[i].ShardID + " " + open[i+1].ShardID)
		}
	}
}

// crashOut serialises the child's output lines.
type crashOut struct {
	mu sync.Mutex
	w  io.Writer
}

func (o *crashOut) write(b []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, err := o.w.Write(b); err != nil {
		os.Exit(5) // the parent is gone
	}
}

func (o *crashOut) line(s string) { o.write([]byte(s + "\n")) }

// crashChild is one run of the child process.
type crashChild struct {
	cmd    *exec.Cmd
	ready  chan struct{} // closed on READY
	done   chan struct{} // closed when the output is read to its end
	stderr strings.Builder

	// Filled by the reader; read after done.
	acks     []string // "A shard seq header" lines
	errs     []string
	reshards int
	cut      int // bytes of a last line the kill cut short
}

func startCrashChild(t *testing.T, dir string, run int, seed uint64, reshard bool, clockMs int64) *crashChild {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &crashChild{ready: make(chan struct{}), done: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.timeout=3m")
	c.cmd.Env = append(os.Environ(),
		crashEnvDir+"="+dir,
		crashEnvRun+"="+strconv.Itoa(run),
		crashEnvSeed+"="+strconv.FormatUint(seed, 10),
		crashEnvReshard+"="+map[bool]string{true: "1", false: "0"}[reshard],
		crashEnvClock+"="+strconv.FormatInt(clockMs, 10),
	)
	c.cmd.Stdout = w
	c.cmd.Stderr = &c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	w.Close() // the child holds the only write end: EOF when it dies
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			syscall.Kill(c.cmd.Process.Pid, syscall.SIGKILL)
			c.cmd.Wait()
		}
	})
	go func() {
		defer close(c.done)
		defer r.Close()
		br := bufio.NewReaderSize(r, 1<<20)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				c.cut = len(line) // a line without its newline was cut by the kill
				return
			}
			line = line[:len(line)-1]
			switch {
			case strings.HasPrefix(line, "A "):
				c.acks = append(c.acks, line)
			case line == "READY":
				close(c.ready)
			case strings.HasPrefix(line, "R "):
				c.reshards++
			case strings.HasPrefix(line, "ERR "):
				c.errs = append(c.errs, line)
			}
		}
	}()
	return c
}

// kill sends SIGKILL, reaps the child and waits for the end of its output.
func (c *crashChild) kill(t *testing.T) {
	t.Helper()
	syscall.Kill(c.cmd.Process.Pid, syscall.SIGKILL)
	err := c.cmd.Wait()
	<-c.done
	for _, e := range c.errs {
		t.Errorf("child: %s", e)
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child: wait: %v\nstderr:\n%s", err, c.stderr.String())
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child ended on its own (%v), not by our SIGKILL\nstderr:\n%s", err, c.stderr.String())
	}
}

// crashSegmentFiles counts the segment files of every stream in dir.
func crashSegmentFiles(dir string) int {
	m, _ := filepath.Glob(filepath.Join(dir, "streams", "*", "*"+segmentExt))
	return len(m)
}

// crashLoc is where a record is: pos 0 means nowhere.
type crashLoc struct {
	shard int
	pos   uint64
}

// crashState is what the parent knows across iterations.
type crashState struct {
	acked    [][]crashLoc // writer → counter → where its put said it landed
	nacked   int
	streamID int64
	keys     [crashKeys]HashKey // hash keys of pk-0 …
}

func newCrashState() *crashState {
	cs := &crashState{}
	for i := range cs.keys {
		cs.keys[i] = HashPartitionKey("pk-" + strconv.Itoa(i))
	}
	return cs
}

// ack records the acknowledgement lines of one child.
func (cs *crashState) ack(t *testing.T, lines []string) {
	t.Helper()
	for _, line := range lines {
		f := strings.Fields(line)
		if len(f) != 4 {
			t.Fatalf("bad ack line %q", line)
		}
		shard, err := ParseShardID(f[1])
		if err != nil {
			t.Fatalf("ack line %q: %v", line, err)
		}
		id, sidx, pos, err := parseSeq(f[2])
		if err != nil || sidx != shard || pos == 0 {
			t.Fatalf("ack line %q: bad sequence number (%v)", line, err)
		}
		if cs.streamID == 0 {
			cs.streamID = id
		} else if id != cs.streamID {
			t.Fatalf("ack line %q: stream id %d, want %d", line, id, cs.streamID)
		}
		w, c, _, ok := parseCrashHeader([]byte(f[3]))
		if !ok {
			t.Fatalf("ack line %q: bad header", line)
		}
		for len(cs.acked) <= w {
			cs.acked = append(cs.acked, nil)
		}
		if len(cs.acked[w]) <= c {
			cs.acked[w] = append(cs.acked[w], make([]crashLoc, c+1-len(cs.acked[w]))...)
		}
		if cs.acked[w][c].pos != 0 {
			t.Fatalf("record %s acknowledged twice", f[3])
		}
		cs.acked[w][c] = crashLoc{shard, pos}
		cs.nacked++
	}
}

// crashVerify reopens the store in dir and checks it against the acked
// records. It returns the number of records stored and damage reports.
func crashVerify(t *testing.T, dir string, cs *crashState) (stored int, damage []Damage) {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(crashLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := Open(dir, Options{Logger: logger})
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}()
	damage = st.Damage()
	for _, d := range damage {
		t.Logf("damage report: %+v", d)
	}
	s, err := st.Stream(crashStream)
	if errors.Is(err, ErrNotFound) && cs.nacked == 0 {
		return 0, damage // killed before the stream was created
	}
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	s.mu.RLock()
	streamID := s.meta.ID
	s.mu.RUnlock()
	if cs.streamID == 0 {
		cs.streamID = streamID
	} else if streamID != cs.streamID {
		t.Fatalf("stream id changed from %d to %d", cs.streamID, streamID)
	}

	seen := make([][]crashLoc, len(cs.acked)) // writer → counter → where read
	type span struct{ min, max int }          // a writer's counters in a shard
	perShard := map[int]map[int]*span{}
	infos := s.Shards()
	byID := map[string]ShardInfo{}
	for _, info := range infos {
		byID[info.ShardID] = info
	}
	for _, info := range infos {
		idx, _ := ParseShardID(info.ShardID)
		_, _, startPos, _ := parseSeq(info.StartingSequenceNumber)
		endPos := ^uint64(0)
		if info.EndingSequenceNumber != "" {
			_, _, endPos, _ = parseSeq(info.EndingSequenceNumber)
		}
		writers := map[int]*span{}
		perShard[idx] = writers
		c, err := s.Iterator(info.ShardID, TrimHorizon, "", time.Time{})
		if err != nil {
			t.Fatalf("iterator %s: %v", info.ShardID, err)
		}
		var prev uint64
		n := 0
		for {
			res, err := s.Read(c, MaxRecordsPerRead)
			if err != nil {
				t.Fatalf("read %s: %v", info.ShardID, err)
			}
			for i := range res.Records {
				r := &res.Records[i]
				id, sidx, pos, err := parseSeq(r.SequenceNumber())
				switch {
				case err != nil:
					t.Fatalf("shard %s: bad sequence number %s: %v", info.ShardID, r.SequenceNumber(), err)
				case id != cs.streamID || sidx != idx:
					t.Fatalf("shard %s: sequence number %s is from stream %d shard %d", info.ShardID, r.SequenceNumber(), id, sidx)
				case pos <= prev:
					t.Fatalf("shard %s: positions not increasing: %d after %d", info.ShardID, pos, prev)
				case pos < startPos || pos > endPos:
					t.Fatalf("shard %s: position %d outside the shard's [%d, %d]", info.ShardID, pos, startPos, endPos)
				}
				prev = pos
				n++
				hdr, ok := checkCrashPayload(r.Data)
				if !ok {
					t.Fatalf("shard %s: record at %d: payload damaged: %.80q", info.ShardID, pos, r.Data)
				}
				w, ctr, key, ok := parseCrashHeader(hdr)
				switch {
				case !ok:
					t.Fatalf("shard %s: record at %d: bad header %q", info.ShardID, pos, hdr)
				case r.PartitionKey != "pk-"+strconv.Itoa(key):
					t.Fatalf("shard %s: record %s has partition key %q", info.ShardID, hdr, r.PartitionKey)
				case !info.HashKeyRange.contains(cs.keys[key]):
					t.Fatalf("shard %s: record %s: key %q outside the shard's hash range", info.ShardID, hdr, r.PartitionKey)
				}
				for len(seen) <= w {
					seen = append(seen, nil)
				}
				if len(seen[w]) <= ctr {
					seen[w] = append(seen[w], make([]crashLoc, ctr+1-len(seen[w]))...)
				}
				if l := seen[w][ctr]; l.pos != 0 {
					t.Fatalf("record %s stored twice: shard %d position %d and shard %d position %d", hdr, l.shard, l.pos, idx, pos)
				}
				seen[w][ctr] = crashLoc{idx, pos}
				stored++
				sp := writers[w]
				switch {
				case sp == nil:
					writers[w] = &span{ctr, ctr}
				case ctr <= sp.max:
					t.Fatalf("shard %s: writer %d: counter %d after %d", info.ShardID, w, ctr, sp.max)
				default:
					sp.max = ctr
				}
			}
			if res.Closed && len(res.ChildShards) == 0 {
				t.Fatalf("shard %s: read to its end without child shards", info.ShardID)
			}
			if len(res.Records) == 0 || res.Closed {
				// A closed shard read to its end says so, with or
				// without records.
				if !res.Closed && info.EndingSequenceNumber != "" {
					t.Fatalf("shard %s: closed, read to its end (%d records), but Read does not say Closed", info.ShardID, n)
				}
				break
			}
			c = res.Next
		}
	}
	if n := s.Stats().CorruptChunks; n > 0 {
		t.Fatalf("reads skipped %d damaged chunks: a kill must not damage committed data", n)
	}

	// Every acknowledged record is where its put said.
	missing := 0
	for w, locs := range cs.acked {
		for ctr, a := range locs {
			if a.pos == 0 {
				continue
			}
			var got crashLoc
			if w < len(seen) && ctr < len(seen[w]) {
				got = seen[w][ctr]
			}
			switch {
			case got.pos == 0:
				if missing++; missing <= 10 {
					t.Errorf("acknowledged record r%d.w%d.c%d (shard %d position %d) is missing", w/crashWriters, w%crashWriters, ctr, a.shard, a.pos)
				}
			case got != a:
				t.Errorf("acknowledged record r%d.w%d.c%d: put said shard %d position %d, read at shard %d position %d",
					w/crashWriters, w%crashWriters, ctr, a.shard, a.pos, got.shard, got.pos)
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged records are missing", missing, cs.nacked)
	}

	// A writer's records in a shard's ancestors all come before its
	// records in the shard: a split or merge happens between commits and
	// a writer's puts are sequential.
	var ancestors func(id string, into map[string]bool)
	ancestors = func(id string, into map[string]bool) {
		info := byID[id]
		for _, p := range []string{info.ParentShardID, info.AdjacentParentShardID} {
			if p != "" && !into[p] {
				into[p] = true
				ancestors(p, into)
			}
		}
	}
	for _, info := range infos {
		idx, _ := ParseShardID(info.ShardID)
		anc := map[string]bool{}
		ancestors(info.ShardID, anc)
		for a := range anc {
			if _, ok := byID[a]; !ok {
				t.Fatalf("shard %s: ancestor %s is not listed", info.ShardID, a)
			}
			aidx, _ := ParseShardID(a)
			for w, sp := range perShard[idx] {
				if asp := perShard[aidx][w]; asp != nil && asp.max >= sp.min {
					t.Fatalf("writer %d: counter %d in shard %s but %d in its ancestor %s", w, sp.min, info.ShardID, asp.max, a)
				}
			}
		}
	}
	return stored, damage
}

// crashLogWriter sends the store's warnings to the test log.
type crashLogWriter struct{ t *testing.T }

func (w crashLogWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// TestCrash kills a writing child process with SIGKILL again and again and
// checks after each kill that the store opens and holds every record whose
// put had returned.
func TestCrash(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the crash test kills its child with SIGKILL; it runs on Linux")
	}
	iterations := 20
	if testing.Short() {
		iterations = 5
	}
	if n, err := strconv.Atoi(os.Getenv("TIDEGATE_CRASH_ITERATIONS")); err == nil && n > 0 {
		iterations = n
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("TIDEGATE_CRASH_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("seed %d (TIDEGATE_CRASH_SEED repeats the schedule, not the timing)", seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	dir := t.TempDir()
	if d := os.Getenv("TIDEGATE_CRASH_DIR"); d != "" {
		dir = d // kept for a post-mortem
	}
	cs := newCrashState()
	var clockMs int64
	var stored, damageReports, reshards, cutLines, rolls int
	start := time.Now()
	for i := 1; i <= iterations; i++ {
		// Kinds of iteration:
		//   - the first writes longer, so data builds up across segments;
		//   - every fifth is killed 0-60 ms after exec, often while the
		//     child is still opening (and checking) the store;
		//   - every sixth, and the last but one, moves the child's clock
		//     an hour on (past the segment span) so that its first commit
		//     rolls to a new segment, and is killed as soon as the new
		//     file appears (half of them) or up to 20 ms later: while the
		//     file is created, or before or after the first commit to it;
		//   - the others are killed 50-400 ms into writing.
		// Two in three split and merge shards while writing.
		reshard := rng.IntN(3) != 0
		kind := "write"
		switch {
		case i == 1:
			kind = "first"
		case i%6 == 0 || i == iterations-1:
			kind = "roll"
			clockMs += (time.Hour + time.Minute).Milliseconds()
		case i%5 == 0:
			kind = "early"
		}
		segsBefore := crashSegmentFiles(dir)
		c := startCrashChild(t, dir, i, rng.Uint64(), reshard, clockMs)
		var wait time.Duration
		switch kind {
		case "early":
			wait = time.Duration(rng.IntN(60)) * time.Millisecond
			time.Sleep(wait)
		default:
			select {
			case <-c.ready:
			case <-c.done:
			case <-time.After(time.Minute):
				t.Fatalf("iteration %d: the child did not open the store within a minute", i)
			}
			switch kind {
			case "first":
				wait = 1200 * time.Millisecond
			case "roll":
				if rng.IntN(2) == 0 {
					wait = time.Duration(rng.IntN(20)) * time.Millisecond
				}
				deadline := time.Now().Add(2 * time.Second)
				for crashSegmentFiles(dir) == segsBefore && time.Now().Before(deadline) {
					time.Sleep(200 * time.Microsecond)
				}
			default:
				wait = time.Duration(50+rng.IntN(351)) * time.Millisecond
			}
			time.Sleep(wait)
		}
		c.kill(t)
		cs.ack(t, c.acks)
		if c.cut > 0 {
			cutLines++
		}
		reshards += c.reshards
		segsAfter := crashSegmentFiles(dir)
		if segsAfter > segsBefore {
			rolls++
		}
		var damage []Damage
		stored, damage = crashVerify(t, dir, cs)
		damageReports += len(damage)
		t.Logf("iteration %2d (%s, reshard %v, kill after %v): %d acked by this child, %d acked in all, %d stored, %d reshards, %d segments, %d damage reports",
			i, kind, reshard, wait, len(c.acks), cs.nacked, stored, c.reshards, segsAfter, len(damage))
	}
	if cs.nacked == 0 {
		t.Fatal("no put was acknowledged in any iteration: the test tested nothing")
	}
	t.Logf("%d iterations in %v: %d records acknowledged, %d stored (the rest were written but not yet acknowledged when killed), %d damage reports, %d reshards, %d children rolled a segment, %d output lines cut by the kill",
		iterations, time.Since(start).Round(time.Millisecond), cs.nacked, stored, damageReports, reshards, rolls, cutLines)
}
