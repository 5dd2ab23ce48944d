package uplink

import (
	"context"
	"encoding/json"
	"testing"
)

// Records deleted before a delivery sent them are counted in its status,
// and the count survives a restart, as the delivery's other counters do.
func TestUndeliveredDeletedIsCountedAndKept(t *testing.T) {
	f := newFixture(t, &memSink{})
	f.stream("src", 1)
	if err := f.m.Create(context.Background(), spec("d", "src")); err != nil {
		t.Fatal(err)
	}
	if err := f.m.NoteUndeliveredDeleted("d", 7); err != nil {
		t.Fatal(err)
	}
	if err := f.m.NoteUndeliveredDeleted("d", 5); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.m.Status("d"); st.UndeliveredDeleted != 12 {
		t.Fatalf("undelivered_deleted %d, want 12", st.UndeliveredDeleted)
	}
	if err := f.m.NoteUndeliveredDeleted("nobody", 1); err == nil {
		t.Fatal("a delivery that does not exist took a count")
	}
	f.close()
	f.open()
	if err := f.m.Create(context.Background(), spec("d", "src")); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.m.Status("d"); st.UndeliveredDeleted != 12 {
		t.Fatalf("after a restart, undelivered_deleted %d, want 12", st.UndeliveredDeleted)
	}
}

// Events from elsewhere (the store's clock steps, records lost) go into
// the status stream under their key; the manager calls Changed when its
// deliveries change.
func TestPutEventAndChanged(t *testing.T) {
	f := newFixture(t, &memSink{})
	f.stream("src", 1)
	changes := 0
	f.m.Changed = func() { changes++ }
	type clockStep struct {
		Event  string `json:"event"`
		StepMs int64  `json:"step_ms"`
	}
	if err := f.m.PutEvent(context.Background(), "clock", clockStep{Event: "clock_step", StepMs: 3600000}); err != nil {
		t.Fatal(err)
	}
	recs := readAllQuiet(f.store, "uplink-status")
	if len(recs) != 1 || recs[0].PartitionKey != "clock" {
		t.Fatalf("status stream: %d records", len(recs))
	}
	var got clockStep
	if err := json.Unmarshal(recs[0].Data, &got); err != nil || got.StepMs != 3600000 || got.Event != "clock_step" {
		t.Fatalf("event %s: %v", recs[0].Data, err)
	}
	if err := f.m.Create(context.Background(), spec("d", "src")); err != nil {
		t.Fatal(err)
	}
	if err := f.m.Delete("d"); err != nil {
		t.Fatal(err)
	}
	if changes < 2 {
		t.Fatalf("Changed called %d times for a create and a delete", changes)
	}
}
