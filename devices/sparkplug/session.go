package sparkplug

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/tidegate/tidegate/devices/decode"
)

// Result is what one message means for the gateway.
type Result struct {
	// Readings: one per birth or data message that carries values.
	// Device is "group/node" or "group/node/device"; Data is a JSON
	// object of metric name → value, Values the same map.
	Readings []decode.Reading
	// Online lists the device ids a birth brought online.
	Online []string
	// Offline lists the device ids a death took offline; an NDEATH takes
	// the edge node and every device under it.
	Offline []string
	// Rebirth holds the NCMD to publish when the session lost track: a
	// sequence gap, an unknown alias, data before any birth.
	Rebirth []Command
}

// Command is an MQTT message the gateway should publish.
type Command struct {
	Topic   string
	Payload []byte
}

// RebirthRetry is how long the session waits for the NBIRTH answering a
// rebirth request before it asks again; it keeps one gap from turning into
// a request per message while still recovering a lost request.
const RebirthRetry = 10 * time.Second

// maxNodes bounds the edge nodes tracked that have never been born, so that
// a flood of made-up topics cannot grow memory without end.
const maxNodes = 1 << 16

// Session is a Sparkplug B host application's view of the edge nodes: for
// each, whether it is born, its bdSeq, its last message seq and its alias
// table. The zero Session is ready to use; it is safe for concurrent use.
type Session struct {
	mu    sync.Mutex
	nodes map[string]*edgeNode // by "group/node"
	now   func() time.Time     // time.Now unless a test sets it
}

type edgeNode struct {
	born    bool
	bdSeq   *uint64
	seq     uint64
	aliases map[uint64]metricInfo
	devices map[string]bool // born devices, by name
	// asked is when a rebirth was last requested; zero since the NBIRTH.
	asked time.Time
}

type metricInfo struct {
	name     string
	datatype DataType
}

// Handle takes one message from the spBv1.0 namespace. An error means the
// topic or payload is bad (ErrBadTopic, ErrBadPayload): dead-letter it.
// STATE topics and commands (NCMD, DCMD) yield an empty Result.
func (s *Session) Handle(m decode.Message) (Result, error) {
	t, err := ParseTopic(m.Topic)
	if err != nil {
		return Result{}, err
	}
	if t.Type == State || t.Type == NCmd || t.Type == DCmd {
		return Result{}, nil
	}
	p, err := Decode(m.Payload)
	if err != nil {
		return Result{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.nodes == nil {
		s.nodes = make(map[string]*edgeNode)
	}
	nodeID := t.Group + "/" + t.Node
	n := s.nodes[nodeID]
	if n == nil {
		n = &edgeNode{}
		if t.Type == NBirth || len(s.nodes) < maxNodes {
			s.nodes[nodeID] = n
		}
	}
	var res Result
	switch t.Type {
	case NBirth:
		*n = edgeNode{born: true, aliases: make(map[uint64]metricInfo), devices: make(map[string]bool)}
		if p.Seq != nil {
			n.seq = *p.Seq
		}
		for _, mt := range p.Metrics {
			if mt.Name == "bdSeq" {
				if v, ok := unsigned(mt.Value); ok {
					n.bdSeq = &v
				}
			}
		}
		n.learn(p.Metrics)
		res.Online = []string{nodeID}
		return res, s.read(&res, t, nodeID, p, n)
	case NDeath:
		if !n.born || !n.sameBdSeq(p) {
			return res, nil // a stale will from an earlier session
		}
		res.Offline = append([]string{nodeID}, n.deviceIDs(nodeID)...)
		n.born, n.aliases, n.devices = false, nil, nil
		return res, nil
	}

	// Everything else is part of the born node's sequence.
	if !n.born {
		s.askRebirth(&res, t, n)
		return res, nil
	}
	if p.Seq != nil {
		if *p.Seq != (n.seq+1)%256 {
			s.askRebirth(&res, t, n)
		}
		n.seq = *p.Seq
	}
	deviceID := nodeID + "/" + t.Device
	switch t.Type {
	case DBirth:
		n.learn(p.Metrics)
		n.devices[t.Device] = true
		res.Online = []string{deviceID}
		return res, s.read(&res, t, deviceID, p, n)
	case DDeath:
		if n.devices[t.Device] {
			delete(n.devices, t.Device)
			res.Offline = []string{deviceID}
		}
		return res, nil
	case DData:
		if !n.devices[t.Device] {
			s.askRebirth(&res, t, n)
			return res, nil
		}
		return res, s.read(&res, t, deviceID, p, n)
	}
	return res, s.read(&res, t, nodeID, p, n) // NDATA
}

// learn records the aliases a birth certificate defines.
func (n *edgeNode) learn(metrics []Metric) {
	for _, mt := range metrics {
		if mt.Alias != nil && mt.Name != "" {
			n.aliases[*mt.Alias] = metricInfo{name: mt.Name, datatype: mt.Datatype}
		}
	}
}

// sameBdSeq reports whether an NDEATH belongs to the current session: its
// bdSeq matches the NBIRTH's (or neither has one).
func (n *edgeNode) sameBdSeq(p Payload) bool {
	var death *uint64
	for _, mt := range p.Metrics {
		if mt.Name == "bdSeq" {
			if v, ok := unsigned(mt.Value); ok {
				death = &v
			}
		}
	}
	if n.bdSeq == nil || death == nil {
		return n.bdSeq == nil && death == nil
	}
	return *n.bdSeq == *death
}

func (n *edgeNode) deviceIDs(nodeID string) []string {
	ids := make([]string, 0, len(n.devices))
	for d := range n.devices {
		ids = append(ids, nodeID+"/"+d)
	}
	slices.Sort(ids)
	return ids
}

// askRebirth adds a rebirth request for t's edge node unless one is
// already out and recent.
func (s *Session) askRebirth(res *Result, t Topic, n *edgeNode) {
	now := s.clock()
	if !n.asked.IsZero() && now.Sub(n.asked) < RebirthRetry {
		return
	}
	n.asked = now
	res.Rebirth = append(res.Rebirth, RebirthCommand(t.Group, t.Node, now))
}

func (s *Session) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// read turns p's metrics into a reading for device, names from the alias
// table. A metric with an alias the table lacks is dropped and a rebirth
// requested: its name is unknowable until the node is born again.
func (s *Session) read(res *Result, t Topic, device string, p Payload, n *edgeNode) error {
	values := make(map[string]any, len(p.Metrics))
	for _, mt := range p.Metrics {
		name, dt := mt.Name, mt.Datatype
		if mt.Alias != nil {
			if info, ok := n.aliases[*mt.Alias]; ok {
				if name == "" {
					name = info.name
				}
				if dt == Unknown {
					dt = info.datatype
				}
			} else if name == "" {
				s.askRebirth(res, t, n)
				continue
			}
		}
		if name == "" {
			continue
		}
		v := mt.Value
		if mt.Datatype == Unknown {
			var err error
			if v, err = typed(dt, v); err != nil {
				return fmt.Errorf("%w: metric %q: %w", ErrBadPayload, name, err)
			}
		}
		values[name] = jsonSafe(v)
	}
	if len(values) == 0 {
		return nil
	}
	data, err := json.Marshal(values)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadPayload, err)
	}
	r := decode.Reading{Device: device, Data: data, Values: values}
	if p.Timestamp != 0 && p.Timestamp < 1<<53 {
		r.Time = time.UnixMilli(int64(p.Timestamp))
	}
	res.Readings = append(res.Readings, r)
	return nil
}

// RebirthCommand is the NCMD asking an edge node to publish its births
// again: the Node Control/Rebirth metric set to true.
func RebirthCommand(group, node string, now time.Time) Command {
	p := Payload{
		Timestamp: uint64(now.UnixMilli()),
		Metrics:   []Metric{{Name: "Node Control/Rebirth", Datatype: Boolean, Value: true}},
	}
	return Command{
		Topic:   Topic{Group: group, Type: NCmd, Node: node}.String(),
		Payload: Encode(p),
	}
}

// unsigned reads an integer metric value (bdSeq is Int64 or UInt64).
func unsigned(v any) (uint64, bool) {
	switch x := v.(type) {
	case int64:
		return uint64(x), x >= 0
	case uint64:
		return x, true
	case uint32:
		return uint64(x), true
	}
	return 0, false
}
