package gateway

import (
	"time"

	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/uplink"
)

// clockStepEvent and undeliveredEvent are what the status stream receives
// of the storage engine's events (docs/deliveries.md, "Status").
type clockStepEvent struct {
	Time         time.Time `json:"time"`
	Event        string    `json:"event"`
	StepMs       int64     `json:"step_ms"`
	Step         string    `json:"step"`
	Synchronized bool      `json:"synchronized"`
	WhileStopped bool      `json:"while_stopped,omitempty"`
}

type undeliveredEvent struct {
	Time            time.Time `json:"time"`
	Event           string    `json:"event"`
	Name            string    `json:"name"`
	Stream          string    `json:"stream"`
	Records         int64     `json:"records"`
	Reason          string    `json:"reason"`
	CountIncomplete bool      `json:"count_incomplete,omitempty"`
}

// storeEvent hands an event of the storage engine on: a delivery's lost
// records into its counters, and every event into the status stream. It
// runs on the store's event goroutine, one event at a time, and waits for
// the deliveries to have started (or the gateway to stop).
func (g *Gateway) storeEvent(ev shards.Event) {
	select {
	case <-g.deliveriesUp:
	case <-g.runCtx.Done():
		return
	}
	var key string
	var body any
	switch ev.Kind {
	case shards.EventClockStep:
		key = "clock"
		body = clockStepEvent{Time: ev.Time.UTC(), Event: string(ev.Kind), StepMs: ev.Step.Milliseconds(), Step: ev.Step.String(),
			Synchronized: ev.Synced, WhileStopped: ev.WhileStopped}
	case shards.EventUndeliveredDeleted:
		name, ok := uplink.DeliveryOf(ev.Consumer)
		if !ok {
			name = ev.Consumer
		} else if err := g.uplink.NoteUndeliveredDeleted(name, ev.Records); err != nil {
			g.logger.Warn("records deleted before a delivery sent them not counted in its status", "delivery", name, "records", ev.Records, "err", err)
		}
		key = name
		body = undeliveredEvent{Time: ev.Time.UTC(), Event: string(ev.Kind), Name: name, Stream: ev.Stream,
			Records: ev.Records, Reason: ev.Reason, CountIncomplete: ev.CountIncomplete}
	default:
		return
	}
	if err := g.uplink.PutEvent(g.runCtx, key, body); err != nil && g.runCtx.Err() == nil {
		g.logger.Warn("event not written to the status stream", "event", ev.Kind, "err", err)
	}
}
