package query

import (
	"github.com/tidegate/tidegate/analytics/operator"
	"github.com/tidegate/tidegate/analytics/record"
)

// member is a query in its pump: its operators, and the rows it emitted since the last
// checkpoint. The pump's goroutine owns it.
type member struct {
	def     *Definition
	runner  *operator.Runner
	fields  []record.Field
	results *output
	late    *output // nil without EMIT LATE INTO
	// pending are the rows emitted since the last checkpoint: [0] results, [1] late rows.
	pending [2][][]byte
	stopped bool
	// frozen is the member's part of the checkpoint while stopped: its state does not
	// change, so it is written as it was.
	frozen *queryCheckpoint
	// fresh: its state started over at this start (new, or changed since its checkpoint).
	fresh bool
}

// newMember makes the operators of a definition; the sink keeps what they emit as JSON.
func newMember(def *Definition, outs func(string) *output) (*member, error) {
	m := &member{def: def, fields: def.Plan.Fields(), results: outs(def.Plan.Into)}
	if def.Plan.LateInto != "" {
		m.late = outs(def.Plan.LateInto)
	}
	r, err := operator.New(def.Plan, operator.Options{Limits: def.Limits, Sink: m.sink})
	if err != nil {
		return nil, err
	}
	m.runner = r
	return m, nil
}

func (m *member) sink(e operator.Emitted) {
	switch e.Kind {
	case operator.Result:
		m.pending[0] = append(m.pending[0], record.AppendJSON(nil, m.fields, e.Row))
	case operator.Late:
		data := e.Data
		if data == nil {
			data = record.AppendJSON(nil, m.runner.LateFields(), e.Row)
		} else {
			data = append([]byte(nil), data...)
		}
		m.pending[1] = append(m.pending[1], data)
	}
}

// hasPending reports rows emitted since the last checkpoint.
func (m *member) hasPending() bool { return len(m.pending[0])+len(m.pending[1]) > 0 }

// outRows are rows for an output stream.
type outRows struct {
	o    *output
	rows [][]byte
}

// outputs pairs the member's pending rows with their streams.
func (m *member) outputs() []outRows {
	outs := []outRows{{m.results, m.pending[0]}}
	if m.late != nil {
		outs = append(outs, outRows{m.late, m.pending[1]})
	}
	return outs
}

func (m *member) clearPending() {
	clear(m.pending[0])
	clear(m.pending[1])
	m.pending[0], m.pending[1] = m.pending[0][:0], m.pending[1][:0]
}
