package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/firehose"
)

// linkMode is what the flaky link does with traffic.
type linkMode int

const (
	linkUp linkMode = iota
	// linkReset answers every new connection with a TCP RST.
	linkReset
	// linkBlackhole accepts new connections, swallows what they send and
	// never answers.
	linkBlackhole
)

// flakyLink is a TCP proxy in front of a destination whose traffic can be
// cut. Going down closes every connection it carries; connections held in
// the blackhole are reset when the link comes back (a request that hung
// there would otherwise wait for the sender's one-minute response timeout).
//
// It reads the HTTP/1.1 exchanges it forwards, so that when it cuts a
// connection it knows whether a request was on its way with no complete
// answer relayed: the destination may have taken that request, and the
// sender, seeing only a broken connection, sends its records again. Those
// are the ambiguous records, the only duplicates a cut may cause.
type flakyLink struct {
	ln     net.Listener
	target string

	// armed: the next response from the destination is not relayed; the
	// link goes down (linkReset) instead, cutting its request unanswered.
	armed atomic.Bool

	mu        sync.Mutex
	mode      linkMode
	conns     map[*linkConn]bool
	held      map[net.Conn]bool
	cuts      int       // proxied connections cut
	ambiguous int       // records in requests cut without a complete answer
	resets    int       // connections refused with an RST
	holes     int       // connections swallowed by the blackhole
	firstHole time.Time // when the blackhole took its first connection
	wg        sync.WaitGroup
}

// linkConn is one proxied connection and what it carried.
type linkConn struct {
	link             *flakyLink
	client, upstream net.Conn
	done             sync.WaitGroup

	mu sync.Mutex
	// sent counts requests whose first byte was read from the client
	// (before it is forwarded); answered counts responses relayed to the
	// client in full; records holds each request's record count, -1 until
	// its body is parsed.
	sent, answered int
	records        []int
}

func startFlakyLink(t *testing.T, target string) *flakyLink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &flakyLink{ln: ln, target: target, conns: map[*linkConn]bool{}, held: map[net.Conn]bool{}}
	l.wg.Add(1)
	go l.accept()
	t.Cleanup(func() {
		ln.Close()
		l.set(linkReset) // cuts the proxied connections
		l.set(linkUp)    // resets the blackholed ones
		l.wg.Wait()
	})
	return l
}

func (l *flakyLink) addr() string { return l.ln.Addr().String() }

func (l *flakyLink) accept() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.mu.Lock()
		switch l.mode {
		case linkReset:
			l.resets++
			rst(c)
		case linkBlackhole:
			if l.holes++; l.holes == 1 {
				l.firstHole = time.Now()
			}
			l.held[c] = true
			l.wg.Add(1)
			go func() { defer l.wg.Done(); io.Copy(io.Discard, c) }()
		case linkUp:
			up, err := net.DialTimeout("tcp", l.target, 5*time.Second)
			if err != nil {
				rst(c)
				break
			}
			lc := &linkConn{link: l, client: c, upstream: up}
			l.conns[lc] = true
			lc.done.Add(2)
			l.wg.Add(2)
			go func() { defer l.wg.Done(); lc.forwardRequests() }()
			go func() { defer l.wg.Done(); lc.relayResponses() }()
		}
		l.mu.Unlock()
	}
}

// rst closes c with an RST instead of a FIN.
func rst(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}

// set switches the link. Leaving linkUp cuts every proxied connection;
// entering it resets the connections the blackhole holds.
func (l *flakyLink) set(m linkMode) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mode == linkUp && m != linkUp {
		for lc := range l.conns {
			l.cuts++
			l.ambiguous += lc.cut()
			delete(l.conns, lc)
		}
	}
	if m == linkUp {
		for c := range l.held {
			rst(c)
			delete(l.held, c)
		}
	}
	l.mode = m
}

func (l *flakyLink) current() linkMode {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mode
}

func (l *flakyLink) firstHeld() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.firstHole
}

// cutNextAnswer arms the link to go down just as the destination answers
// a request: the request is taken and the sender never learns it.
func (l *flakyLink) cutNextAnswer() { l.armed.Store(true) }

// stats returns the counters under the lock.
func (l *flakyLink) stats() (cuts, ambiguous, resets, holes int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cuts, l.ambiguous, l.resets, l.holes
}

// cut closes both sides (upstream first, so nothing more reaches the
// destination) and, once both directions stopped, returns how many records
// were in a request the destination may have taken without the client
// getting the whole answer: all of the requests sent and not answered,
// counted as a full PutRecordBatch (500) when their body was not parsed.
func (lc *linkConn) cut() int {
	lc.upstream.Close()
	lc.client.Close()
	lc.done.Wait()
	lc.mu.Lock()
	defer lc.mu.Unlock()
	n := 0
	for i := lc.answered; i < lc.sent; i++ {
		if r := lc.records[i]; r >= 0 {
			n += r
		} else {
			n += 500
		}
	}
	return n
}

// onData marks a request as sent when its first byte is read from the
// client, before any of it is forwarded.
type onData struct {
	r      io.Reader
	lc     *linkConn
	inside *bool
}

func (o onData) Read(p []byte) (int, error) {
	n, err := o.r.Read(p)
	if n > 0 && !*o.inside {
		*o.inside = true
		o.lc.mu.Lock()
		o.lc.sent++
		o.lc.records = append(o.lc.records, -1)
		o.lc.mu.Unlock()
	}
	return n, err
}

// forwardRequests copies client → upstream, parsing each request on the
// way to count its records.
func (lc *linkConn) forwardRequests() {
	defer lc.done.Done()
	defer lc.upstream.Close()
	inside := false
	br := bufio.NewReader(io.TeeReader(onData{r: lc.client, lc: lc, inside: &inside}, lc.upstream))
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return
		}
		var in struct{ Records []json.RawMessage }
		n := -1
		if json.Unmarshal(body, &in) == nil {
			n = len(in.Records)
		}
		lc.mu.Lock()
		lc.records[lc.sent-1] = n
		lc.mu.Unlock()
		inside = false
	}
}

// relayResponses copies upstream → client, counting the responses relayed
// in full.
func (lc *linkConn) relayResponses() {
	defer lc.done.Done()
	defer lc.client.Close()
	br := bufio.NewReader(io.TeeReader(lc.upstream, toClient{lc}))
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return
		}
		lc.mu.Lock()
		lc.answered++
		lc.mu.Unlock()
	}
}

// toClient writes to the client unless the link is armed to cut the next
// answer: then it takes the link down (from another goroutine, since the
// cut waits for this one) and relays nothing.
type toClient struct{ lc *linkConn }

func (w toClient) Write(p []byte) (int, error) {
	if w.lc.link.armed.CompareAndSwap(true, false) {
		w.lc.link.wg.Add(1)
		go func() { defer w.lc.link.wg.Done(); w.lc.link.set(linkReset) }()
		return 0, errors.New("link cut before the answer")
	}
	return w.lc.client.Write(p)
}

// TestOutageThenEveryRecordInOrder: an edge delivers to a hub through a
// link that goes down for a while under steady load: first refusing
// connections with an RST, then swallowing them in a blackhole. Afterwards
// the hub holds every record, each key's in order, with no duplicates
// beyond the records of requests the outage cut unanswered; the edge
// reported backing_off during the outage and caught up after it.
//
// The phases follow the edge's attempts rather than a fixed clock, since
// the engine's backoff (0.5-1 s, then 1-2 s, 2-4 s) decides when it tries:
// the link goes down at the first answer the hub gives after 1.5 s, which
// it swallows (the hub took those records: the edge will send them again);
// the first connection refused with an RST turns it into a blackhole; it
// comes back at 4 s at the earliest, once a connection has hung in the
// blackhole for 300 ms. The load runs 6 s, and at least 1 s past the
// link's return.
//
// The edge counts as redelivered the records it sent again after a failure
// that may have reached the hub (the cut answer), so its count bounds the
// duplicates the hub holds; the link's view of the cut is logged beside it.
func TestOutageThenEveryRecordInOrder(t *testing.T) {
	hubEnv(t)
	const (
		stream   = "edge-data"
		keys     = 10
		perBatch = 50
		every    = 20 * time.Millisecond
		load     = 6 * time.Second
		down     = 1500 * time.Millisecond
		back     = 4 * time.Second
		held     = 300 * time.Millisecond
		tail     = time.Second
		giveUp   = 15 * time.Second
	)
	hub := startGateway(t, testConfig(t, ""))
	createHubStream(t, hub, stream)
	link := startFlakyLink(t, hub.Addr().String())

	cfg := testConfig(t, edgeConfig("http://"+link.addr(), stream))
	// One SDK attempt per Send: each failure reaches the engine, so its
	// backoff and state are what is observed, not the SDK's jittered
	// retries (up to 2 s and 4 s), which could hide the outage from the
	// status altogether.
	cfg.Deliveries[0].To.Config.(*firehose.Config).MaxAttempts = 1
	edge := startGateway(t, cfg)
	src, err := edge.Store().Stream("sensors")
	if err != nil {
		t.Fatal(err)
	}

	// The status, polled all along: the states seen while the link was
	// down and after.
	var phase atomic.Int32 // 0 before, 1 down, 2 back up
	var statesMu sync.Mutex
	states := map[int32]map[uplink.State]int{0: {}, 1: {}, 2: {}}
	ctx, stopPolling := context.WithCancel(context.Background())
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		for ctx.Err() == nil {
			if st, err := edge.Deliveries().Status("to-hub"); err == nil {
				statesMu.Lock()
				states[phase.Load()][st.State]++
				statesMu.Unlock()
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	defer func() { stopPolling(); <-polled }()

	// Steady load: every 20 ms, 50 records under 10 keys.
	next := map[string]int{}
	put := 0
	start := time.Now()
	step, upAgain := 0, time.Duration(0)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		<-tick.C
		now := time.Since(start)
		switch _, _, resets, holes := link.stats(); {
		case step == 0 && now >= down:
			link.cutNextAnswer()
			phase.Store(1)
			step++
		case step == 1 && link.current() == linkReset:
			step++
		case step == 2 && resets > 0:
			link.set(linkBlackhole)
			step++
		case step == 3 && holes > 0 && now >= back && time.Since(link.firstHeld()) >= held:
			link.set(linkUp)
			phase.Store(2)
			upAgain = now
			step++
		}
		if upAgain > 0 && now >= max(load, upAgain+tail) {
			break
		}
		if now > giveUp {
			cuts, _, resets, holes := link.stats()
			t.Fatalf("the outage did not play out within %s: at step %d, %d cuts, %d resets, %d blackholed", giveUp, step, cuts, resets, holes)
		}
		batch := make([]shards.PutEntry, 0, perBatch)
		for j := 0; j < perBatch; j++ {
			k := fmt.Sprintf("key%d", put%keys)
			data, _ := json.Marshal(hubPayload{K: k, N: next[k]})
			next[k]++
			put++
			batch = append(batch, shards.PutEntry{PartitionKey: k, Data: data})
		}
		if _, err := src.PutRecords(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
	}
	total := put

	waitUntil(t, 20*time.Second, "the edge to catch up after the outage", func() bool {
		st, err := edge.Deliveries().Status("to-hub")
		return err == nil && st.BacklogRecords == 0 && st.State == uplink.StateDelivering
	})
	stopPolling()
	<-polled

	st, err := edge.Deliveries().Status("to-hub")
	if err != nil {
		t.Fatal(err)
	}
	cuts, ambiguous, resets, holes := link.stats()
	got := hubHolding(t, hub, stream)
	statesMu.Lock()
	t.Logf("%d records put; the hub holds %d distinct, %d duplicates; link: %d connections cut (%d ambiguous records), %d reset, %d blackholed; edge: %d retries, %d redelivered; states down %v, after %v",
		total, len(got.seen), got.dups, cuts, ambiguous, resets, holes, st.Retries, st.Redelivered, states[1], states[2])
	sawBackingOff, deliveringAfter := states[1][uplink.StateBackingOff] > 0, states[2][uplink.StateDelivering] > 0
	statesMu.Unlock()

	// Every record is at the hub.
	for k, n := range next {
		for i := 0; i < n; i++ {
			if p := (hubPayload{K: k, N: i}); got.seen[p.id()] == 0 {
				t.Errorf("%s is missing at the hub", p.id())
			}
		}
	}
	if len(got.seen) != total {
		t.Errorf("the hub holds %d distinct records, want %d", len(got.seen), total)
	}
	// Duplicates only where the edge could not know, and said so: the
	// records of requests the outage cut before their answer, sent again.
	if int64(got.dups) > st.Redelivered {
		t.Errorf("%d duplicates at the hub, more than the %d records the edge reports redelivered (the link cut %d records' answers)",
			got.dups, st.Redelivered, ambiguous)
	}
	// Each key's records in order, duplicates repeating earlier ones only.
	for _, w := range got.wrong {
		t.Errorf("order: %s", w)
	}
	// The link really went down both ways while records waited.
	if resets == 0 || holes == 0 {
		t.Errorf("the edge never met the outage: %d connections reset, %d blackholed", resets, holes)
	}
	if !sawBackingOff {
		t.Error("the edge's status never showed backing_off while the link was down")
	}
	if !deliveringAfter || st.State != uplink.StateDelivering || st.BacklogRecords != 0 || st.MillisBehindLatest != 0 ||
		st.RecordsDelivered < int64(total) || st.DeadLettered != 0 || st.Retries == 0 {
		t.Errorf("edge status after the outage: %+v", st)
	}
}
