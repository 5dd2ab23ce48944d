package fleet

import (
	"math"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

type decodedMetric struct {
	name     string
	alias    uint64
	datatype uint64
	long     uint64
	double   float64
	boolean  bool
	null     bool
}

type decodedPayload struct {
	ts      uint64
	seq     uint64
	hasSeq  bool
	metrics []decodedMetric
}

// decodeSparkplug reads a Sparkplug B Payload the way a host application would.
func decodeSparkplug(t *testing.T, b []byte) decodedPayload {
	t.Helper()
	var p decodedPayload
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatalf("bad tag: %v", protowire.ParseError(n))
		}
		b = b[n:]
		switch {
		case num == spPayloadTimestamp && typ == protowire.VarintType:
			p.ts, n = protowire.ConsumeVarint(b)
		case num == spPayloadSeq && typ == protowire.VarintType:
			p.seq, n = protowire.ConsumeVarint(b)
			p.hasSeq = true
		case num == spPayloadMetrics && typ == protowire.BytesType:
			var mb []byte
			mb, n = protowire.ConsumeBytes(b)
			p.metrics = append(p.metrics, decodeMetric(t, mb))
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			t.Fatalf("field %d: %v", num, protowire.ParseError(n))
		}
		b = b[n:]
	}
	return p
}

func decodeMetric(t *testing.T, b []byte) decodedMetric {
	var m decodedMetric
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatalf("bad metric tag")
		}
		b = b[n:]
		var v uint64
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(b)
		case protowire.Fixed64Type:
			v, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			var s []byte
			s, n = protowire.ConsumeBytes(b)
			if num == spMetricName {
				m.name = string(s)
			}
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			t.Fatalf("metric field %d: %v", num, protowire.ParseError(n))
		}
		b = b[n:]
		switch num {
		case spMetricAlias:
			m.alias = v
		case spMetricDatatype:
			m.datatype = v
		case spMetricLong:
			m.long = v
		case spMetricDouble:
			m.double = math.Float64frombits(v)
		case spMetricBoolean:
			m.boolean = v != 0
		case spMetricIsNull:
			m.null = v != 0
		}
	}
	return m
}

func TestSparkplugSession(t *testing.T) {
	b := startBroker(t, "", nil)
	const count = 12
	cfg := testConfig(b.url())
	cfg.Devices, cfg.Count, cfg.Rate, cfg.Format, cfg.Group = 2, count, 200, FormatSparkplug, "plant"
	rep := run(t, cfg)
	if rep.Acknowledged != 2*count {
		t.Fatalf("report %+v", rep)
	}
	for _, id := range []string{"node-0001", "node-0002"} {
		pks := b.rec.published(id)
		if len(pks) != count+2 {
			t.Fatalf("%s: %d messages, want NBIRTH + %d NDATA + NDEATH", id, len(pks), count)
		}
		birth := decodeSparkplug(t, pks[0].Payload)
		if pks[0].TopicName != "spBv1.0/plant/NBIRTH/"+id || !birth.hasSeq || birth.seq != 0 {
			t.Fatalf("first message %s seq %d", pks[0].TopicName, birth.seq)
		}
		aliases := map[uint64]string{}
		var bdSeq uint64 = 99
		for _, m := range birth.metrics {
			if m.name == "bdSeq" {
				bdSeq = m.long
				continue
			}
			aliases[m.alias] = m.name
		}
		if bdSeq != 0 || aliases[aliasTemperature] != "temperature" || aliases[aliasSequence] != "sequence" || aliases[aliasRebirth] != "Node Control/Rebirth" {
			t.Fatalf("NBIRTH bdSeq %d aliases %v", bdSeq, aliases)
		}
		for i, pk := range pks[1 : count+1] {
			if pk.TopicName != "spBv1.0/plant/NDATA/"+id {
				t.Fatalf("topic %q", pk.TopicName)
			}
			p := decodeSparkplug(t, pk.Payload)
			if !p.hasSeq || p.seq != uint64(i+1) || p.ts == 0 {
				t.Fatalf("NDATA %d: seq %d ts %d", i, p.seq, p.ts)
			}
			got := map[string]decodedMetric{}
			for _, m := range p.metrics {
				if m.name != "" {
					t.Fatalf("NDATA metric named %q; aliases only", m.name)
				}
				got[aliases[m.alias]] = m
			}
			if got["sequence"].long != uint64(i+1) || got["sequence"].datatype != spTypeUInt64 {
				t.Fatalf("sequence metric %+v", got["sequence"])
			}
			temp, hum, press := got["temperature"], got["humidity"], got["pressure"]
			if temp.datatype != spTypeDouble || temp.double < -10 || temp.double > 40 ||
				hum.double <= 0 || hum.double > 100 || press.double < 95000 || press.double > 105000 {
				t.Fatalf("implausible metrics %+v", got)
			}
		}
		last := pks[len(pks)-1]
		death := decodeSparkplug(t, last.Payload)
		if !strings.HasSuffix(last.TopicName, "/NDEATH/"+id) || death.hasSeq || len(death.metrics) != 1 || death.metrics[0].name != "bdSeq" {
			t.Fatalf("last message %s %+v", last.TopicName, death)
		}
	}
}

func TestSparkplugSeqWraps(t *testing.T) {
	var seq byte = 254
	for _, want := range []uint64{255, 0, 1} {
		seq++
		p := decodeSparkplug(t, ndata(seq, reading{seq: 7}))
		if p.seq != want {
			t.Fatalf("seq %d, want %d", p.seq, want)
		}
	}
}
