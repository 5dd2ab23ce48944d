package sparkplug

import (
	"errors"
	"testing"
)

func TestParseTopic(t *testing.T) {
	tests := []struct {
		in   string
		want Topic
		err  string
	}{
		{in: "spBv1.0/plant/NBIRTH/edge1", want: Topic{Group: "plant", Type: NBirth, Node: "edge1"}},
		{in: "spBv1.0/plant/NDATA/edge1", want: Topic{Group: "plant", Type: NData, Node: "edge1"}},
		{in: "spBv1.0/plant/NDEATH/edge1", want: Topic{Group: "plant", Type: NDeath, Node: "edge1"}},
		{in: "spBv1.0/plant/NCMD/edge1", want: Topic{Group: "plant", Type: NCmd, Node: "edge1"}},
		{in: "spBv1.0/plant/DBIRTH/edge1/pump", want: Topic{Group: "plant", Type: DBirth, Node: "edge1", Device: "pump"}},
		{in: "spBv1.0/plant/DDATA/edge1/pump", want: Topic{Group: "plant", Type: DData, Node: "edge1", Device: "pump"}},
		{in: "spBv1.0/plant/DDEATH/edge1/pump", want: Topic{Group: "plant", Type: DDeath, Node: "edge1", Device: "pump"}},
		{in: "spBv1.0/plant/DCMD/edge1/pump", want: Topic{Group: "plant", Type: DCmd, Node: "edge1", Device: "pump"}},
		{in: "spBv1.0/STATE/scada", want: Topic{Type: State, Host: "scada"}},

		{in: "spAv1.0/plant/NDATA/edge1", err: `sparkplug: bad topic: "spAv1.0/plant/NDATA/edge1" does not start with spBv1.0/`},
		{in: "spBv1.0/plant/NDATA", err: `sparkplug: bad topic: "spBv1.0/plant/NDATA": want spBv1.0/{group}/{type}/{edge node}[/{device}]`},
		{in: "spBv1.0/plant/NDATA/edge1/pump", err: `sparkplug: bad topic: "spBv1.0/plant/NDATA/edge1/pump": NDATA topics have 4 levels, not 5`},
		{in: "spBv1.0/plant/DDATA/edge1", err: `sparkplug: bad topic: "spBv1.0/plant/DDATA/edge1": DDATA topics have 5 levels, not 4`},
		{in: "spBv1.0/plant/XDATA/edge1", err: `sparkplug: bad topic: "spBv1.0/plant/XDATA/edge1": message type "XDATA" is not one of NBIRTH, NDATA, NDEATH, NCMD, DBIRTH, DDATA, DDEATH, DCMD`},
		{in: "spBv1.0//NDATA/edge1", err: `sparkplug: bad topic: "spBv1.0//NDATA/edge1" has an empty or wildcard level`},
		{in: "spBv1.0/plant/NDATA/+", err: `sparkplug: bad topic: "spBv1.0/plant/NDATA/+" has an empty or wildcard level`},
		{in: "spBv1.0/STATE/a/b", err: `sparkplug: bad topic: "spBv1.0/STATE/a/b": want spBv1.0/STATE/{host}`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTopic(tt.in)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err || !errors.Is(err, ErrBadTopic) {
					t.Fatalf("error = %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func FuzzParseTopic(f *testing.F) {
	for _, s := range []string{"spBv1.0/g/NDATA/n", "spBv1.0/g/DDATA/n/d", "spBv1.0/STATE/h", "spBv1.0", "", "spBv1.0/g/DDATA/n/d/e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tp, err := ParseTopic(s)
		if err != nil {
			if !errors.Is(err, ErrBadTopic) {
				t.Fatalf("error %v is not ErrBadTopic", err)
			}
			return
		}
		if tp.String() != s {
			t.Fatalf("String() = %q, parsed from %q", tp.String(), s)
		}
	})
}
