package fleet

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
	"periph.io/x/conn/v3/physic"
)

// Sparkplug B field numbers (sparkplug_b.proto) and data types used here.
const (
	spPayloadTimestamp = 1
	spPayloadMetrics   = 2
	spPayloadSeq       = 3

	spMetricName      = 1
	spMetricAlias     = 2
	spMetricTimestamp = 3
	spMetricDatatype  = 4
	spMetricIsNull    = 7
	spMetricLong      = 11
	spMetricDouble    = 13
	spMetricBoolean   = 14

	spTypeUInt64  = 8
	spTypeDouble  = 10
	spTypeBoolean = 11
)

// Metric names and the aliases announced in NBIRTH; NDATA carries aliases only.
const (
	aliasTemperature = 1 + iota
	aliasHumidity
	aliasPressure
	aliasBattery
	aliasSequence
	aliasRebirth
)

var sparkplugNames = map[uint64]string{
	aliasTemperature: "temperature", // °C
	aliasHumidity:    "humidity",    // %RH
	aliasPressure:    "pressure",    // Pa
	aliasBattery:     "battery",     // V
	aliasSequence:    "sequence",    // the node's reading counter, as seq in JSON
	aliasRebirth:     "Node Control/Rebirth",
}

type spMetric struct {
	alias    uint64
	named    bool // NBIRTH names every metric
	datatype uint64
	long     uint64
	double   float64
	boolean  bool
	null     bool // no value yet (NBIRTH before the first reading)
}

func appendMetric(b []byte, m spMetric, ts uint64) []byte {
	var f []byte
	if m.named {
		name := "bdSeq"
		if m.alias != 0 {
			name = sparkplugNames[m.alias]
		}
		f = protowire.AppendTag(f, spMetricName, protowire.BytesType)
		f = protowire.AppendString(f, name)
	}
	if m.alias != 0 {
		f = protowire.AppendTag(f, spMetricAlias, protowire.VarintType)
		f = protowire.AppendVarint(f, m.alias)
	}
	f = protowire.AppendTag(f, spMetricTimestamp, protowire.VarintType)
	f = protowire.AppendVarint(f, ts)
	f = protowire.AppendTag(f, spMetricDatatype, protowire.VarintType)
	f = protowire.AppendVarint(f, m.datatype)
	switch {
	case m.null:
		f = protowire.AppendTag(f, spMetricIsNull, protowire.VarintType)
		f = protowire.AppendVarint(f, 1)
	case m.datatype == spTypeUInt64:
		f = protowire.AppendTag(f, spMetricLong, protowire.VarintType)
		f = protowire.AppendVarint(f, m.long)
	case m.datatype == spTypeDouble:
		f = protowire.AppendTag(f, spMetricDouble, protowire.Fixed64Type)
		f = protowire.AppendFixed64(f, math.Float64bits(m.double))
	case m.datatype == spTypeBoolean:
		f = protowire.AppendTag(f, spMetricBoolean, protowire.VarintType)
		f = protowire.AppendVarint(f, protowire.EncodeBool(m.boolean))
	}
	b = protowire.AppendTag(b, spPayloadMetrics, protowire.BytesType)
	return protowire.AppendBytes(b, f)
}

// sparkplugPayload encodes a Payload; seq < 0 leaves the seq field out (NDEATH has none).
func sparkplugPayload(ts uint64, seq int, metrics []spMetric) []byte {
	b := protowire.AppendTag(nil, spPayloadTimestamp, protowire.VarintType)
	b = protowire.AppendVarint(b, ts)
	for _, m := range metrics {
		b = appendMetric(b, m, ts)
	}
	if seq >= 0 {
		b = protowire.AppendTag(b, spPayloadSeq, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(seq))
	}
	return b
}

func readingMetrics(r reading, named bool) []spMetric {
	s := r.sample
	d := func(alias uint64, v float64) spMetric {
		return spMetric{alias: alias, named: named, datatype: spTypeDouble, double: v}
	}
	ms := []spMetric{
		d(aliasTemperature, round(s.Temperature.Celsius(), 100)),
		d(aliasHumidity, round(float64(s.Humidity)/float64(physic.PercentRH), 10)),
		d(aliasPressure, round(float64(s.Pressure)/float64(physic.Pascal), 1)),
		d(aliasBattery, round(float64(s.Battery)/float64(physic.Volt), 100)),
		{alias: aliasSequence, named: named, datatype: spTypeUInt64, long: r.seq},
	}
	if r.seq == 0 {
		for i := range ms {
			ms[i].null = true
		}
	}
	return ms
}

// nbirth announces every metric with its name and alias, the current values, and the
// session's bdSeq; its seq is always 0.
func nbirth(ts, bdSeq uint64, last reading) []byte {
	m := []spMetric{
		{named: true, datatype: spTypeUInt64, long: bdSeq},
		{alias: aliasRebirth, named: true, datatype: spTypeBoolean},
	}
	return sparkplugPayload(ts, 0, append(m, readingMetrics(last, true)...))
}

func ndata(seq byte, r reading) []byte {
	return sparkplugPayload(uint64(r.sample.Time.UnixMilli()), int(seq), readingMetrics(r, false))
}

// ndeath carries the bdSeq of the session it ends, so a host can match it to the NBIRTH.
func ndeath(ts, bdSeq uint64) []byte {
	return sparkplugPayload(ts, -1, []spMetric{{named: true, datatype: spTypeUInt64, long: bdSeq}})
}
