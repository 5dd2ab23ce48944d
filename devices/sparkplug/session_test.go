package sparkplug

import (
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/tidegate/tidegate/devices/decode"
)

var testNow = time.UnixMilli(1700000000000)

func newTestSession() *Session {
	return &Session{now: func() time.Time { return testNow }}
}

func msg(topic string, p Payload) decode.Message {
	return decode.Message{Topic: topic, Payload: Encode(p)}
}

func nbirth(seq, bdSeq uint64) decode.Message {
	return msg("spBv1.0/plant/NBIRTH/edge1", Payload{Timestamp: 1700000000500, Seq: u64(seq), Metrics: []Metric{
		{Name: "bdSeq", Datatype: Int64, Value: int64(bdSeq)},
		{Name: "Node Control/Rebirth", Alias: u64(0), Datatype: Boolean, Value: false},
		{Name: "uptime", Alias: u64(1), Datatype: UInt32, Value: uint64(10)},
	}})
}

func dbirth(seq uint64) decode.Message {
	return msg("spBv1.0/plant/DBIRTH/edge1/pump", Payload{Timestamp: 1700000001000, Seq: u64(seq), Metrics: []Metric{
		{Name: "temp", Alias: u64(2), Datatype: Float, Value: float32(20)},
		{Name: "delta", Alias: u64(3), Datatype: Int16, Value: int64(0)},
	}})
}

func ddata(seq uint64) decode.Message {
	return msg("spBv1.0/plant/DDATA/edge1/pump", Payload{Timestamp: 1700000002000, Seq: u64(seq), Metrics: []Metric{
		{Alias: u64(2), Value: float32(21.5)},
		{Alias: u64(3), Value: uint32(0xfffffffe)}, // -2 as Int16 on the wire
	}})
}

func ndeath(bdSeq uint64) decode.Message {
	return msg("spBv1.0/plant/NDEATH/edge1", Payload{Metrics: []Metric{{Name: "bdSeq", Datatype: Int64, Value: int64(bdSeq)}}})
}

var wantRebirth = RebirthCommand("plant", "edge1", testNow)

func TestSession(t *testing.T) {
	type step struct {
		m       decode.Message
		devices []string // devices of the readings
		data    []string // data of the readings
		online  []string
		offline []string
		rebirth int
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"births and data with aliases", []step{
			{m: nbirth(0, 3), devices: []string{"plant/edge1"},
				data: []string{`{"Node Control/Rebirth":false,"bdSeq":3,"uptime":10}`}, online: []string{"plant/edge1"}},
			{m: dbirth(1), devices: []string{"plant/edge1/pump"}, data: []string{`{"delta":0,"temp":20}`}, online: []string{"plant/edge1/pump"}},
			{m: ddata(2), devices: []string{"plant/edge1/pump"}, data: []string{`{"delta":-2,"temp":21.5}`}},
			{m: msg("spBv1.0/plant/NDATA/edge1", Payload{Seq: u64(3), Metrics: []Metric{{Alias: u64(1), Value: uint32(11)}}}),
				devices: []string{"plant/edge1"}, data: []string{`{"uptime":11}`}},
		}},
		{"NDEATH takes the node and its devices offline", []step{
			{m: nbirth(0, 3), devices: []string{"plant/edge1"}, data: []string{`{"Node Control/Rebirth":false,"bdSeq":3,"uptime":10}`}, online: []string{"plant/edge1"}},
			{m: dbirth(1), devices: []string{"plant/edge1/pump"}, data: []string{`{"delta":0,"temp":20}`}, online: []string{"plant/edge1/pump"}},
			{m: ndeath(3), offline: []string{"plant/edge1", "plant/edge1/pump"}},
			{m: ddata(2), rebirth: 1}, // data after death is data before birth
		}},
		{"DDEATH takes one device offline", []step{
			{m: nbirth(0, 3), devices: []string{"plant/edge1"}, data: []string{`{"Node Control/Rebirth":false,"bdSeq":3,"uptime":10}`}, online: []string{"plant/edge1"}},
			{m: dbirth(1), devices: []string{"plant/edge1/pump"}, data: []string{`{"delta":0,"temp":20}`}, online: []string{"plant/edge1/pump"}},
			{m: msg("spBv1.0/plant/DDEATH/edge1/pump", Payload{Seq: u64(2)}), offline: []string{"plant/edge1/pump"}},
		}},
		{"stale NDEATH ignored", []step{
			{m: nbirth(0, 4), devices: []string{"plant/edge1"}, data: []string{`{"Node Control/Rebirth":false,"bdSeq":4,"uptime":10}`}, online: []string{"plant/edge1"}},
			{m: ndeath(3)},
			{m: msg("spBv1.0/plant/NDATA/edge1", Payload{Seq: u64(1), Metrics: []Metric{{Alias: u64(1), Value: uint32(11)}}}),
				devices: []string{"plant/edge1"}, data: []string{`{"uptime":11}`}},
		}},
		{"sequence gap asks for exactly one rebirth", []step{
			{m: nbirth(0, 3), devices: []string{"plant/edge1"}, data: []string{`{"Node Control/Rebirth":false,"bdSeq":3,"uptime":10}`}, online: []string{"plant/edge1"}},
			{m: dbirth(1), devices: []string{"plant/edge1/pump"}, data: []string{`{"delta":0,"temp":20}`}, online: []string{"plant/edge1/pump"}},
			{m: ddata(5), devices: []string{"plant/edge1/pump"}, data: []string{`{"delta":-2,"temp":21.5}`}, rebirth: 1},
			{m: ddata(6), devices: []string{"plant/edge1/pump"}, data: []string{`{"delta":-2,"temp":21.5}`}},
			{m: ddata(9), devices: []string{"plant/edge1/pump"}, data: []string{`{"delta":-2,"temp":21.5}`}}, // already asked
		}},
		{"seq wraps 255 to 0 without a gap", []step{
			{m: nbirth(254, 3), devices: []string{"plant/edge1"}, data: []string{`{"Node Control/Rebirth":false,"bdSeq":3,"uptime":10}`}, online: []string{"plant/edge1"}},
			{m: dbirth(255), devices: []string{"plant/edge1/pump"}, data: []string{`{"delta":0,"temp":20}`}, online: []string{"plant/edge1/pump"}},
			{m: ddata(0), devices: []string{"plant/edge1/pump"}, data: []string{`{"delta":-2,"temp":21.5}`}},
		}},
		{"data before any birth", []step{
			{m: ddata(0), rebirth: 1},
			{m: msg("spBv1.0/plant/NDATA/edge1", Payload{Seq: u64(1), Metrics: []Metric{{Name: "x", Datatype: Int8, Value: int64(1)}}})},
		}},
		{"unknown alias", []step{
			{m: nbirth(0, 3), devices: []string{"plant/edge1"}, data: []string{`{"Node Control/Rebirth":false,"bdSeq":3,"uptime":10}`}, online: []string{"plant/edge1"}},
			{m: msg("spBv1.0/plant/NDATA/edge1", Payload{Seq: u64(1), Metrics: []Metric{{Alias: u64(1), Value: uint32(11)}, {Alias: u64(42), Value: uint32(1)}}}),
				devices: []string{"plant/edge1"}, data: []string{`{"uptime":11}`}, rebirth: 1},
		}},
		{"device data before its birth", []step{
			{m: nbirth(0, 3), devices: []string{"plant/edge1"}, data: []string{`{"Node Control/Rebirth":false,"bdSeq":3,"uptime":10}`}, online: []string{"plant/edge1"}},
			{m: ddata(1), rebirth: 1},
		}},
		{"STATE and commands ignored", []step{
			{m: decode.Message{Topic: "spBv1.0/STATE/scada", Payload: []byte(`{"online":true}`)}},
			{m: msg("spBv1.0/plant/NCMD/edge1", Payload{})},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestSession()
			for i, st := range tt.steps {
				res, err := s.Handle(st.m)
				if err != nil {
					t.Fatalf("step %d (%s): %v", i, st.m.Topic, err)
				}
				var devices, data []string
				for _, r := range res.Readings {
					devices = append(devices, r.Device)
					data = append(data, string(r.Data))
				}
				if !reflect.DeepEqual(devices, st.devices) || !reflect.DeepEqual(data, st.data) {
					t.Errorf("step %d (%s): readings %q %q, want %q %q", i, st.m.Topic, devices, data, st.devices, st.data)
				}
				if !reflect.DeepEqual(res.Online, st.online) || !reflect.DeepEqual(res.Offline, st.offline) {
					t.Errorf("step %d (%s): online %q offline %q, want %q %q", i, st.m.Topic, res.Online, res.Offline, st.online, st.offline)
				}
				if len(res.Rebirth) != st.rebirth {
					t.Fatalf("step %d (%s): %d rebirth requests, want %d", i, st.m.Topic, len(res.Rebirth), st.rebirth)
				}
				for _, c := range res.Rebirth {
					if !reflect.DeepEqual(c, wantRebirth) {
						t.Errorf("step %d: rebirth %+v, want %+v", i, c, wantRebirth)
					}
				}
			}
		})
	}
}

func TestRebirthCommand(t *testing.T) {
	c := RebirthCommand("plant", "edge1", testNow)
	if c.Topic != "spBv1.0/plant/NCMD/edge1" {
		t.Errorf("topic = %q", c.Topic)
	}
	p, err := Decode(c.Payload)
	if err != nil {
		t.Fatal(err)
	}
	want := Payload{Timestamp: uint64(testNow.UnixMilli()), Metrics: []Metric{{Name: "Node Control/Rebirth", Datatype: Boolean, Value: true}}}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("payload = %+v, want %+v", p, want)
	}
}

func TestRebirthRetry(t *testing.T) {
	now := testNow
	s := &Session{now: func() time.Time { return now }}
	if res, _ := s.Handle(ddata(0)); len(res.Rebirth) != 1 {
		t.Fatalf("first: %d rebirths", len(res.Rebirth))
	}
	now = now.Add(RebirthRetry - time.Millisecond)
	if res, _ := s.Handle(ddata(1)); len(res.Rebirth) != 0 {
		t.Fatalf("within retry: %d rebirths", len(res.Rebirth))
	}
	now = now.Add(time.Millisecond)
	if res, _ := s.Handle(ddata(2)); len(res.Rebirth) != 1 {
		t.Fatalf("after retry: %d rebirths", len(res.Rebirth))
	}
}

func TestReadingTime(t *testing.T) {
	s := newTestSession()
	res, err := s.Handle(nbirth(0, 1))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Readings[0].Time; !got.Equal(time.UnixMilli(1700000000500)) {
		t.Errorf("time = %v", got)
	}
	if v := res.Readings[0].Values; v["uptime"] != uint64(10) || v["bdSeq"] != int64(1) {
		t.Errorf("values = %#v", v)
	}
}

func TestSessionErrors(t *testing.T) {
	s := newTestSession()
	if _, err := s.Handle(decode.Message{Topic: "a/b", Payload: nil}); !errors.Is(err, ErrBadTopic) {
		t.Errorf("bad topic: %v", err)
	}
	if _, err := s.Handle(decode.Message{Topic: "spBv1.0/g/NDATA/n", Payload: []byte{0xff}}); !errors.Is(err, ErrBadPayload) {
		t.Errorf("bad payload: %v", err)
	}
	// An alias whose birth says Boolean but whose data is a string.
	s.Handle(nbirth(0, 1))
	_, err := s.Handle(msg("spBv1.0/plant/NDATA/edge1", Payload{Seq: u64(1), Metrics: []Metric{{Alias: u64(0), Value: "yes"}}}))
	if want := `sparkplug: bad payload: metric "Node Control/Rebirth": datatype Boolean with a string value`; err == nil || err.Error() != want {
		t.Errorf("mismatch: %v, want %s", err, want)
	}
}

func TestSessionConcurrent(t *testing.T) {
	s := newTestSession()
	s.Handle(nbirth(0, 1))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				s.Handle(ddata(uint64(g*100 + i)))
				s.Handle(dbirth(uint64(i)))
			}
		})
	}
	wg.Wait()
}

func TestDecoder(t *testing.T) {
	var rebirths []Command
	status := map[string]bool{}
	d := NewDecoder(func(c Command) { rebirths = append(rebirths, c) }, func(dev string, online bool) { status[dev] = online })
	for _, m := range []decode.Message{ddata(0), nbirth(0, 1), dbirth(1), ddata(2), ndeath(1)} {
		if _, err := d.Decode(m); err != nil {
			t.Fatal(err)
		}
	}
	if len(rebirths) != 1 || rebirths[0].Topic != "spBv1.0/plant/NCMD/edge1" {
		t.Errorf("rebirths = %+v", rebirths)
	}
	if want := map[string]bool{"plant/edge1": false, "plant/edge1/pump": false}; !reflect.DeepEqual(status, want) {
		t.Errorf("status = %v, want %v", status, want)
	}
	rs, err := d.Decode(nbirth(0, 2))
	if err != nil || len(rs) != 1 || rs[0].Device != "plant/edge1" || !status["plant/edge1"] {
		t.Errorf("rebirth decode = %+v, %v; status %v", rs, err, status)
	}
	if _, err := NewDecoder(nil, nil).Decode(decode.Message{Topic: "x"}); !errors.Is(err, ErrBadTopic) {
		t.Errorf("bad topic with nil callbacks: %v", err)
	}
}

func FuzzSessionHandle(f *testing.F) {
	for _, m := range []decode.Message{nbirth(0, 1), dbirth(1), ddata(2), ndeath(1)} {
		f.Add(m.Topic, m.Payload)
	}
	f.Add("spBv1.0/STATE/h", []byte("{}"))
	f.Fuzz(func(t *testing.T, topic string, payload []byte) {
		s := newTestSession()
		// A born node first, so the fuzzed message reaches the stateful paths.
		for _, m := range []decode.Message{nbirth(0, 1), dbirth(1)} {
			if _, err := s.Handle(m); err != nil {
				t.Fatal(err)
			}
		}
		res, err := s.Handle(decode.Message{Topic: topic, Payload: payload})
		if err != nil {
			if !errors.Is(err, ErrBadTopic) && !errors.Is(err, ErrBadPayload) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		for _, r := range res.Readings {
			if len(r.Data) == 0 || r.Device == "" {
				t.Fatalf("bad reading %+v", r)
			}
		}
		// The same payload on each message type must not panic either.
		for _, typ := range []string{"NBIRTH", "NDATA", "NDEATH"} {
			s.Handle(decode.Message{Topic: "spBv1.0/plant/" + typ + "/edge1", Payload: payload})
		}
		for _, typ := range []string{"DBIRTH", "DDATA", "DDEATH"} {
			s.Handle(decode.Message{Topic: "spBv1.0/plant/" + typ + "/edge1/pump", Payload: payload})
		}
	})
}
