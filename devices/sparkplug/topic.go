package sparkplug

import (
	"fmt"
	"strings"
)

// Namespace is the first level of every Sparkplug B topic.
const Namespace = "spBv1.0"

// MessageType is a topic's message type level.
type MessageType string

// Message types (Sparkplug 3.0, section 4.1). State is a host
// application's STATE topic, which carries no device data.
const (
	NBirth MessageType = "NBIRTH"
	NData  MessageType = "NDATA"
	NDeath MessageType = "NDEATH"
	NCmd   MessageType = "NCMD"
	DBirth MessageType = "DBIRTH"
	DData  MessageType = "DDATA"
	DDeath MessageType = "DDEATH"
	DCmd   MessageType = "DCMD"
	State  MessageType = "STATE"
)

// Topic is a parsed Sparkplug B topic:
// spBv1.0/{group}/{type}/{edge node}[/{device}], or spBv1.0/STATE/{host}.
type Topic struct {
	Group  string
	Type   MessageType
	Node   string
	Device string // set for DBIRTH, DDATA, DDEATH and DCMD only
	Host   string // set for STATE only
}

// deviceLevel reports whether t's topics name a device.
func (t MessageType) deviceLevel() bool {
	return t == DBirth || t == DData || t == DDeath || t == DCmd
}

// ParseTopic parses a Sparkplug B topic. It accepts the 3.0 STATE topic
// (spBv1.0/STATE/{host}) so that callers can ignore it by type.
func ParseTopic(s string) (Topic, error) {
	levels := strings.Split(s, "/")
	if levels[0] != Namespace {
		return Topic{}, fmt.Errorf("%w: %q does not start with %s/", ErrBadTopic, s, Namespace)
	}
	for _, l := range levels[1:] {
		if l == "" || strings.ContainsAny(l, "+#") {
			return Topic{}, fmt.Errorf("%w: %q has an empty or wildcard level", ErrBadTopic, s)
		}
	}
	if len(levels) >= 2 && levels[1] == string(State) {
		if len(levels) != 3 {
			return Topic{}, fmt.Errorf("%w: %q: want %s/STATE/{host}", ErrBadTopic, s, Namespace)
		}
		return Topic{Type: State, Host: levels[2]}, nil
	}
	if len(levels) < 4 {
		return Topic{}, fmt.Errorf("%w: %q: want %s/{group}/{type}/{edge node}[/{device}]", ErrBadTopic, s, Namespace)
	}
	t := Topic{Group: levels[1], Type: MessageType(levels[2]), Node: levels[3]}
	switch t.Type {
	case NBirth, NData, NDeath, NCmd, DBirth, DData, DDeath, DCmd:
	default:
		return Topic{}, fmt.Errorf("%w: %q: message type %q is not one of NBIRTH, NDATA, NDEATH, NCMD, DBIRTH, DDATA, DDEATH, DCMD",
			ErrBadTopic, s, levels[2])
	}
	want := 4
	if t.Type.deviceLevel() {
		want = 5
	}
	if len(levels) != want {
		return Topic{}, fmt.Errorf("%w: %q: %s topics have %d levels, not %d", ErrBadTopic, s, t.Type, want, len(levels))
	}
	if want == 5 {
		t.Device = levels[4]
	}
	return t, nil
}

// String formats t back into a topic.
func (t Topic) String() string {
	if t.Type == State {
		return Namespace + "/STATE/" + t.Host
	}
	s := Namespace + "/" + t.Group + "/" + string(t.Type) + "/" + t.Node
	if t.Device != "" {
		s += "/" + t.Device
	}
	return s
}
