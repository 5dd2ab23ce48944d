package shards

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The ledger carries lived time across restarts and reboots. The monotonic
// clock restarts from zero at every boot, so each boot gets an offset: the
// lived time at its monotonic zero. Lived time at a stamp is its boot's
// offset plus its monotonic reading, and an age is a difference of lived
// times: within a boot, exactly the monotonic clock's.
//
// A new boot starts where the last one was last seen (its newest stamp, in
// the ledger or in a segment), so the time the board was off is not
// counted — unless the wall clock can vouch for it: once the new boot's
// clock is synchronized, and the last boot's was too, the time between the
// two readings that the monotonic clocks did not count is added to the new
// boot's offset (the credit). That ages what older boots wrote by the real
// time that passed, and leaves the ages of what this boot wrote alone: a
// Pi that came back from a power cut with its clock two days behind and
// recorded for a day sees that day as one day old after NTP's step, and
// what it recorded before the power cut as three.
//
// Lived time is never more than the real time that passed, so retention by
// age never deletes early; it is less only by time the board was off and
// no synchronized clock could measure.
type ledger struct {
	Boots []bootRecord `json:"boots"`
}

type bootRecord struct {
	ID string `json:"id"`
	// Offset is the lived time at this boot's monotonic zero.
	Offset int64 `json:"offset_ms"`
	// SyncOffset is the wall clock's offset (wall - monotonic) once it
	// was synchronized in this boot (HasSync): it dates the records the
	// boot stored before.
	SyncOffset int64 `json:"sync_offset_ms,omitempty"`
	HasSync    bool  `json:"has_sync,omitempty"`
	// Credited: the time before this boot has been settled (see above).
	Credited bool `json:"credited,omitempty"`
	// Last seen: the latest reading known of this boot.
	LastMono   int64 `json:"last_mono_ms"`
	LastWall   int64 `json:"last_wall_ms"`
	LastSynced bool  `json:"last_synced,omitempty"`
}

// end is the lived time at which the boot was last seen.
func (b *bootRecord) end() int64 { return b.Offset + b.LastMono }

// see moves the boot's last reading to s when s is later.
func (b *bootRecord) see(s stamp) {
	if s.Boot == b.ID && s.Mono >= b.LastMono {
		b.LastMono, b.LastWall, b.LastSynced = s.Mono, s.Wall, s.Synced
	}
}

func (l *ledger) find(id string) int {
	return slices.IndexFunc(l.Boots, func(b bootRecord) bool { return b.ID == id })
}

// ledgerView is a published, immutable copy of what readers need.
type ledgerView struct {
	cur     string
	offsets map[string]int64
	sync    map[string]int64
}

// offsetOf returns a boot's offset. Every stamp the store holds names a
// boot of the ledger (Open sees to it); an unknown one counts as the
// current boot, which can only make data look younger.
func (v *ledgerView) offsetOf(boot string) int64 {
	if o, ok := v.offsets[boot]; ok {
		return o
	}
	return v.offsets[v.cur]
}

// ledgerSaveEvery bounds the lived time a power cut can take from an idle
// store (a busy one stamps every commit): at most this much of the last
// boot goes uncounted, which keeps data that much longer, never shorter.
const ledgerSaveEvery = 10 * time.Minute

var keyClockLedger = []byte("clock_ledger")

func (c *catalog) loadLedger() (ledger, error) {
	var l ledger
	err := c.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketStore).Get(keyClockLedger)
		if v == nil {
			return nil
		}
		return json.Unmarshal(v, &l)
	})
	if err != nil {
		return ledger{}, fmt.Errorf("shards: read clock ledger: %w", err)
	}
	return l, nil
}

func (c *catalog) saveLedger(l ledger) error {
	v, err := json.Marshal(l)
	if err != nil {
		return err
	}
	err = c.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketStore).Put(keyClockLedger, v) })
	if err != nil {
		return fmt.Errorf("shards: write clock ledger: %w", err)
	}
	return nil
}

// start installs the ledger read at open. latest holds, per boot, the
// newest stamp the store's segments hold; now is the clocks at open. It
// returns the event of a step taken while the store was closed (the wall
// clock's offset moved since this boot was last seen).
func (c *clock) start(led ledger, latest map[string]stamp, now stamp) []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Boots the segments name and the ledger does not (a catalog that
	// lost it): each starts where the one before was last seen.
	var unknown []stamp
	for id, s := range latest {
		if id != now.Boot && led.find(id) < 0 {
			unknown = append(unknown, s)
		}
	}
	slices.SortFunc(unknown, func(a, b stamp) int { return cmp.Compare(a.Wall, b.Wall) })
	for _, s := range unknown {
		rec := bootRecord{ID: s.Boot}
		if n := len(led.Boots); n > 0 {
			rec.Offset = led.Boots[n-1].end()
		}
		rec.see(s)
		led.Boots = append(led.Boots, rec)
	}
	for i := range led.Boots {
		if s, ok := latest[led.Boots[i].ID]; ok {
			led.Boots[i].see(s)
		}
	}
	var events []Event
	if i := led.find(now.Boot); i < 0 {
		rec := bootRecord{ID: now.Boot}
		if n := len(led.Boots); n > 0 {
			rec.Offset = led.Boots[n-1].end()
		}
		led.Boots = append(led.Boots, rec)
	} else if b := led.Boots[i]; b.LastWall != 0 || b.LastMono != 0 {
		// The same boot, the store reopened: a step meanwhile shows as
		// a changed offset.
		if d := now.offset() - (b.LastWall - b.LastMono); abs64(d) > stepThreshold.Milliseconds() {
			events = append(events, c.stepped(now, d, true))
		}
	}
	c.led = led
	c.lastOffset = now.offset()
	c.observe(now)
	c.publish()
	return events
}

// cur returns the current boot's record. The caller holds mu.
func (c *clock) cur() *bootRecord {
	boot, _ := c.mono.Now()
	i := c.led.find(boot)
	if i < 0 { // a boot id that changed under an open store (a test's mistake)
		i = len(c.led.Boots) - 1
	}
	return &c.led.Boots[i]
}

// observe notes a reading of the current boot and, at its first
// synchronized one, settles the boot's sync offset and credit. It reports
// whether the ledger changed in a way that must be saved now. The caller
// holds mu.
func (c *clock) observe(now stamp) bool {
	cur := c.cur()
	cur.see(now)
	if !now.Synced || (cur.HasSync && cur.Credited) {
		return false
	}
	if !cur.HasSync {
		cur.SyncOffset, cur.HasSync = now.offset(), true
		c.log.Info("wall clock synchronized", "time", time.UnixMilli(now.Wall).UTC())
	}
	if !cur.Credited {
		c.credit(cur, now)
		cur.Credited = true
	}
	c.publish()
	return true
}

// credit adds to the current boot's offset the time between the boot
// before it was last seen and now that the monotonic clocks did not count,
// when synchronized wall-clock readings on both sides measure it. The
// caller holds mu.
func (c *clock) credit(cur *bootRecord, now stamp) {
	i := c.led.find(cur.ID)
	if i <= 0 {
		return
	}
	prev := c.led.Boots[i-1]
	var trueLast int64
	switch {
	case prev.HasSync:
		trueLast = prev.LastMono + prev.SyncOffset
	case prev.LastSynced:
		trueLast = prev.LastWall
	default:
		c.log.Info("time the board was off before this boot is not counted in data's age: no synchronized clock measured it")
		return
	}
	elapsed := now.Wall - trueLast
	counted := cur.Offset + now.Mono - prev.end()
	if elapsed > counted {
		cur.Offset += elapsed - counted
		c.log.Info("time the board was off counted in data's age, measured by the synchronized wall clock",
			"off", (time.Duration(elapsed-counted) * time.Millisecond).String())
	}
}

// stepped counts and logs a step of d ms and returns its event. The
// caller holds mu.
func (c *clock) stepped(now stamp, d int64, whileStopped bool) Event {
	c.steps.Add(1)
	c.lastStep.Store(d)
	step := time.Duration(d) * time.Millisecond
	c.log.Warn("wall clock stepped: retention counts age on the monotonic clock and is not affected",
		"step", step.String(), "now", time.UnixMilli(now.Wall).UTC(), "synchronized", now.Synced, "while_stopped", whileStopped)
	return Event{Kind: EventClockStep, Time: time.UnixMilli(now.Wall), Step: step, Synced: now.Synced, WhileStopped: whileStopped}
}

// tick looks at the clocks: a step, the first synchronization, the
// boot's last reading. It runs every second on the store's watcher.
func (c *clock) tick(save func(ledger) error) []Event {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	var events []Event
	if d := now.offset() - c.lastOffset; abs64(d) > stepThreshold.Milliseconds() {
		events = append(events, c.stepped(now, d, false))
	}
	c.lastOffset = now.offset()
	if c.observe(now) || len(events) > 0 || time.Since(c.savedAt) >= ledgerSaveEvery {
		c.saveLocked(save)
	}
	return events
}

// saveLocked writes the ledger; the caller holds mu.
func (c *clock) saveLocked(save func(ledger) error) {
	if err := save(c.led); err != nil {
		c.log.Error("clock ledger not saved: after a reboot, data's age may count less of this boot", "err", err)
		return
	}
	c.savedAt = time.Now()
}

// closeLedger notes the last reading and writes the ledger at Close.
func (c *clock) closeLedger(save func(ledger) error) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.observe(now)
	c.saveLocked(save)
}

// prune forgets boots no stamp refers to, but for the current boot and
// the one before it (the credit needs it). The caller is Open.
func (c *clock) prune(refs map[string]bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cur := c.cur().ID
	i := c.led.find(cur)
	keep := c.led.Boots[:0:0]
	for j, b := range c.led.Boots {
		if refs[b.ID] || b.ID == cur || j == i-1 {
			keep = append(keep, b)
		}
	}
	c.led.Boots = keep
	c.publish()
}

// publish makes the ledger's offsets visible to readers. The caller holds
// mu.
func (c *clock) publish() {
	v := &ledgerView{offsets: map[string]int64{}, sync: map[string]int64{}}
	for _, b := range c.led.Boots {
		v.offsets[b.ID] = b.Offset
		if b.HasSync {
			v.sync[b.ID] = b.SyncOffset
		}
	}
	if len(c.led.Boots) > 0 {
		v.cur = c.cur().ID
	}
	c.view.Store(v)
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
