package fleet

// Report is the fleet's counters; safe to call while Run is going.
type Report struct {
	Generated    uint64                  `json:"generated"`    // readings taken
	Published    uint64                  `json:"published"`    // PUBLISH packets sent, redeliveries included
	Acknowledged uint64                  `json:"acknowledged"` // readings the broker confirmed (QoS 0: written)
	Queued       uint64                  `json:"queued"`       // readings still waiting
	Dropped      uint64                  `json:"dropped"`      // readings lost to a full queue
	Devices      map[string]DeviceReport `json:"devices"`
}

// DeviceReport is one node's counters.
type DeviceReport struct {
	Generated    uint64 `json:"generated"`
	Published    uint64 `json:"published"`
	Acknowledged uint64 `json:"acknowledged"`
	Queued       uint64 `json:"queued"`
	Dropped      uint64 `json:"dropped"`
	HighestSeq   uint64 `json:"highest_seq_acked"`
}

// Report sums the nodes' counters.
func (f *Fleet) Report() Report {
	r := Report{Devices: make(map[string]DeviceReport, len(f.nodes))}
	for _, n := range f.nodes {
		d := DeviceReport{
			Generated:    n.generated.Load(),
			Published:    n.published.Load(),
			Acknowledged: n.acked.Load(),
			Queued:       uint64(n.q.len()),
			Dropped:      n.dropped.Load(),
			HighestSeq:   n.highest.Load(),
		}
		r.Devices[n.id] = d
		r.Generated += d.Generated
		r.Published += d.Published
		r.Acknowledged += d.Acknowledged
		r.Queued += d.Queued
		r.Dropped += d.Dropped
	}
	return r
}
