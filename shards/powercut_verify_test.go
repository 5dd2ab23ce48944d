//go:build linux && !arm && !386 && !mips && !mipsle

package shards

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tidegate/tidegate/internal/powercut"
)

// pcModel is what the children of the power-cut test acknowledged, kept
// across the cycles, and the check of a store against it.
type pcModel struct {
	known       map[string]bool                // streams acknowledged in some way
	ids         map[string]int64               // stream → id, from its sequence numbers
	acked       map[string]map[string]crashLoc // stream → record header → where its put said
	consumers   map[string]bool                // streams whose consumer was registered
	checkpoints map[string]map[int]uint64      // stream → shard → the highest checkpoint acknowledged
	closed      map[string]map[int]bool        // stream → shards an acknowledged reshard closed
	newestMs    int64                          // the newest arrival time acknowledged: the check's clock
	segs        map[string]bool                // segment files after the last cut, for the statistics

	records, reshards, checkpointAcks int
	present, expired                  int // acknowledged records there after the last cut; expired in all
	rolled, deleted, damage           int
	belowFloor                        int // records read again whose deletion a cut interrupted
}

func newPCModel() *pcModel {
	return &pcModel{known: map[string]bool{}, ids: map[string]int64{}, acked: map[string]map[string]crashLoc{},
		consumers: map[string]bool{}, checkpoints: map[string]map[int]uint64{}, closed: map[string]map[int]bool{},
		segs: map[string]bool{}}
}

// learn records one cycle's acknowledgements.
func (m *pcModel) learn(acks []string) error {
	for _, a := range acks {
		f := strings.Fields(a)
		if len(f) < 2 {
			return fmt.Errorf("bad acknowledgement %q", a)
		}
		name := f[1]
		m.known[name] = true
		switch {
		case f[0] == "N" && len(f) == 2:
		case f[0] == "C" && len(f) == 2:
			m.consumers[name] = true
		case f[0] == "P" && len(f) > 2 && (len(f)-2)%3 == 0:
			if m.acked[name] == nil {
				m.acked[name] = map[string]crashLoc{}
			}
			for i := 2; i < len(f); i += 3 {
				loc, err := m.position(name, f[i], f[i+1])
				if err != nil {
					return fmt.Errorf("acknowledgement %q: %w", a, err)
				}
				if _, dup := m.acked[name][f[i+2]]; dup {
					return fmt.Errorf("record %s acknowledged twice", f[i+2])
				}
				m.acked[name][f[i+2]] = loc
				m.newestMs = max(m.newestMs, posMillis(loc.pos))
				m.records++
			}
		case (f[0] == "S" && len(f) == 3) || (f[0] == "M" && len(f) == 4):
			if m.closed[name] == nil {
				m.closed[name] = map[int]bool{}
			}
			for _, id := range f[2:] {
				idx, err := ParseShardID(id)
				if err != nil {
					return fmt.Errorf("acknowledgement %q: %w", a, err)
				}
				m.closed[name][idx] = true
			}
			m.reshards++
		case f[0] == "K" && len(f) == 4:
			loc, err := m.position(name, f[2], f[3])
			if err != nil {
				return fmt.Errorf("acknowledgement %q: %w", a, err)
			}
			if m.checkpoints[name] == nil {
				m.checkpoints[name] = map[int]uint64{}
			}
			m.checkpoints[name][loc.shard] = max(m.checkpoints[name][loc.shard], loc.pos)
			m.checkpointAcks++
		default:
			return fmt.Errorf("bad acknowledgement %q", a)
		}
	}
	return nil
}

// position parses a shard id and sequence number of stream, which must
// agree with each other and with the stream's id.
func (m *pcModel) position(stream, shardID, seq string) (crashLoc, error) {
	idx, err := ParseShardID(shardID)
	if err != nil {
		return crashLoc{}, err
	}
	id, sidx, pos, err := parseSeq(seq)
	if err != nil || sidx != idx || pos == 0 {
		return crashLoc{}, fmt.Errorf("sequence number %s of shard %s: %v", seq, shardID, err)
	}
	if known, ok := m.ids[stream]; ok && known != id {
		return crashLoc{}, fmt.Errorf("sequence number %s is of stream id %d, not %d", seq, id, known)
	}
	m.ids[stream] = id
	return crashLoc{idx, pos}, nil
}

// check opens the store in dir (a copy of what the cut left) with the
// clock at the newest acknowledged arrival, and checks it.
func (m *pcModel) check(cy *powercut.Cycle, dir string) error {
	if err := m.learn(cy.Acks); err != nil {
		return err
	}
	m.present = 0
	m.countSegments(dir)
	var logs strings.Builder
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	clock := time.Now()
	if m.newestMs > 0 {
		clock = time.UnixMilli(m.newestMs)
	}
	st, err := Open(dir, Options{Logger: logger, Clock: func() time.Time { return clock }})
	if err != nil {
		return fmt.Errorf("open after the cut: %w", err)
	}
	m.damage += len(st.Damage())
	var errs []error
	names := make([]string, 0, len(m.known))
	for name := range m.known {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := m.checkStream(st, name); err != nil {
			errs = append(errs, fmt.Errorf("stream %s: %w", name, err))
		}
	}
	if err := st.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w\nthe store's warnings:\n%s", err, logs.String())
	}
	return nil
}

// countSegments counts the segment files rolled to and deleted since the
// last cut, as far as the cuts let them be seen.
func (m *pcModel) countSegments(dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "streams", "*", "*"+segmentExt))
	now := map[string]bool{}
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		now[rel] = true
		if !m.segs[rel] {
			m.rolled++
		}
	}
	for f := range m.segs {
		if !now[f] {
			m.deleted++
		}
	}
	m.segs = now
}

// pcRead is what reading a stream's shards to their ends found.
type pcRead struct {
	at     map[string]crashLoc    // record header → where read
	byPos  map[crashLoc]bool      // positions holding a record
	spans  map[int]map[int][2]int // shard → writer → its lowest and highest counter there
	shards map[string]ShardInfo
}

func (m *pcModel) checkStream(st *Store, name string) error {
	s, err := st.Stream(name)
	if err != nil {
		return fmt.Errorf("acknowledged, and gone after the cut: %w", err)
	}
	s.mu.RLock()
	id, floor, horizon := s.meta.ID, s.meta.FloorMs, s.horizon()
	s.mu.RUnlock()
	cutoff := posMillis(horizon)
	if want, ok := m.ids[name]; ok && id != want {
		return fmt.Errorf("its id is %d after the cut, the acknowledged records have %d", id, want)
	}
	// Retention deleted what is at or below the floor (recorded before
	// the files go), and reads hide what has outlived retention (before
	// the horizon).
	gone := func(pos uint64) bool { return posMillis(pos) <= floor || pos < horizon }

	rd, err := pcReadStream(s)
	if err != nil {
		return err
	}
	if n := s.Stats().CorruptChunks; n > 0 {
		return fmt.Errorf("reads skipped %d damaged chunks", n)
	}
	var errs []error
	missing := 0
	for h, want := range m.acked[name] {
		got, ok := rd.at[h]
		switch {
		case ok && got != want:
			errs = append(errs, fmt.Errorf("record %s: its put said shard %d position %d, read at shard %d position %d", h, want.shard, want.pos, got.shard, got.pos))
		case ok:
			// One below the floor is in a segment whose deletion the cut
			// interrupted: the floor is made durable first, then the
			// file goes (TestPowerCutRetentionDelete: once gone, it stays
			// gone). Retention deletes it again.
			m.present++
			if posMillis(got.pos) < floor {
				m.belowFloor++
			}
		case gone(want.pos):
			m.expired++
			delete(m.acked[name], h) // for good: the floor and cutoff only rise
		default:
			if missing++; missing <= 10 {
				errs = append(errs, fmt.Errorf("acknowledged record %s (shard %d position %d, %d ms; floor %d ms, cutoff %d ms) is missing", h, want.shard, want.pos, posMillis(want.pos), floor, cutoff))
			}
		}
	}
	if missing > 10 {
		errs = append(errs, fmt.Errorf("%d acknowledged records are missing in all", missing))
	}

	// The shard map: acknowledged reshards are there, and the open shards
	// cover the hash key space once.
	var open []ShardInfo
	for _, info := range rd.shards {
		if info.Open() {
			open = append(open, info)
		}
	}
	for idx := range m.closed[name] {
		if info, ok := rd.shards[ShardID(idx)]; ok && info.Open() {
			errs = append(errs, fmt.Errorf("shard %s is open after the cut; the reshard that closed it was acknowledged", info.ShardID))
		}
	}
	sort.Slice(open, func(i, j int) bool { return open[i].HashKeyRange.Start.Cmp(open[j].HashKeyRange.Start) < 0 })
	next := HashKey{}
	for i, info := range open {
		if info.HashKeyRange.Start != next {
			errs = append(errs, fmt.Errorf("open shard %s starts at %s, not at %s", info.ShardID, info.HashKeyRange.Start, next))
		}
		next = info.HashKeyRange.End.inc()
		if i == len(open)-1 && info.HashKeyRange.End != (HashKey{^uint64(0), ^uint64(0)}) {
			errs = append(errs, fmt.Errorf("the last open shard %s ends at %s", info.ShardID, info.HashKeyRange.End))
		}
	}

	// The consumer and its checkpoints: never behind what was
	// acknowledged, always on a record that is there.
	if m.consumers[name] {
		cps, err := s.store.cat.checkpoints(name, pcUser)
		if err != nil {
			return errors.Join(append(errs, fmt.Errorf("consumer %s: %w", pcUser, err))...)
		}
		for idx, acked := range m.checkpoints[name] {
			got, ok := cps[idx]
			switch {
			case !ok:
				errs = append(errs, fmt.Errorf("shard %s: the checkpoint at %d was acknowledged and is gone", ShardID(idx), acked))
			case got < acked:
				errs = append(errs, fmt.Errorf("shard %s: checkpoint at %d, behind the acknowledged %d", ShardID(idx), got, acked))
			}
		}
		for idx, pos := range cps {
			if !rd.byPos[crashLoc{idx, pos}] && !gone(pos) {
				errs = append(errs, fmt.Errorf("shard %s: the checkpoint at %d names no record that is there", ShardID(idx), pos))
			}
		}
	}
	return errors.Join(errs...)
}

// pcReadStream reads every shard from its start and checks what it reads:
// positions increasing within the shard's bounds, whole payloads, keys in
// the shard's range, each record once, each writer's records in the order
// it put them, within a shard and from a parent to its children.
func pcReadStream(s *Stream) (*pcRead, error) {
	rd := &pcRead{at: map[string]crashLoc{}, byPos: map[crashLoc]bool{}, spans: map[int]map[int][2]int{}, shards: map[string]ShardInfo{}}
	infos := s.Shards()
	for _, info := range infos {
		rd.shards[info.ShardID] = info
	}
	for _, info := range infos {
		idx := info.Index
		_, _, start, _ := parseSeq(info.StartingSequenceNumber)
		end := ^uint64(0)
		if !info.Open() {
			_, _, end, _ = parseSeq(info.EndingSequenceNumber)
		}
		writers := map[int][2]int{}
		rd.spans[idx] = writers
		cur, err := s.Iterator(info.ShardID, TrimHorizon, "", time.Time{})
		if err != nil {
			return nil, fmt.Errorf("iterator %s: %w", info.ShardID, err)
		}
		var prev uint64
		for {
			res, err := s.Read(cur, MaxRecordsPerRead)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", info.ShardID, err)
			}
			for i := range res.Records {
				r := &res.Records[i]
				_, sidx, pos, err := parseSeq(r.SequenceNumber())
				switch {
				case err != nil || sidx != idx:
					return nil, fmt.Errorf("shard %s: sequence number %s", info.ShardID, r.SequenceNumber())
				case pos <= prev:
					return nil, fmt.Errorf("shard %s: position %d after %d", info.ShardID, pos, prev)
				case pos <= start || pos > end:
					return nil, fmt.Errorf("shard %s: position %d outside (%d, %d]", info.ShardID, pos, start, end)
				}
				prev = pos
				h, ok := checkCrashPayload(r.Data)
				if !ok {
					return nil, fmt.Errorf("shard %s: record at %d: payload damaged: %.80q", info.ShardID, pos, r.Data)
				}
				w, ctr, key, ok := parseCrashHeader(h)
				switch {
				case !ok:
					return nil, fmt.Errorf("shard %s: record at %d: bad header %q", info.ShardID, pos, h)
				case r.PartitionKey != "pk-"+strconv.Itoa(key):
					return nil, fmt.Errorf("shard %s: record %s has partition key %q", info.ShardID, h, r.PartitionKey)
				case !info.HashKeyRange.contains(HashPartitionKey(r.PartitionKey)):
					return nil, fmt.Errorf("shard %s: record %s: key outside the shard's hash range", info.ShardID, h)
				}
				loc := crashLoc{idx, pos}
				if l, dup := rd.at[string(h)]; dup {
					return nil, fmt.Errorf("record %s stored twice: shard %d position %d and shard %d position %d", h, l.shard, l.pos, idx, pos)
				}
				rd.at[string(h)] = loc
				rd.byPos[loc] = true
				sp, seen := writers[w]
				if seen && ctr <= sp[1] {
					return nil, fmt.Errorf("shard %s: writer %d's record %d after its record %d", info.ShardID, w, ctr, sp[1])
				}
				if !seen {
					sp[0] = ctr
				}
				sp[1] = ctr
				writers[w] = sp
			}
			if len(res.Records) == 0 || res.Closed {
				break
			}
			cur = res.Next
		}
	}
	// A writer's records in a parent come before its records in the
	// parent's children: a reshard runs between commits.
	for _, info := range infos {
		for _, p := range []string{info.ParentShardID, info.AdjacentParentShardID} {
			parent, ok := rd.shards[p]
			if !ok {
				continue // expired and forgotten
			}
			for w, sp := range rd.spans[info.Index] {
				if psp, ok := rd.spans[parent.Index][w]; ok && psp[1] >= sp[0] {
					return nil, fmt.Errorf("writer %d: record %d in shard %s, but %d in its parent %s", w, sp[0], info.ShardID, psp[1], p)
				}
			}
		}
	}
	return rd, nil
}
