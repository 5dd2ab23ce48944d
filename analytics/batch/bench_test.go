package batch

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tidegate/tidegate/analytics/parser"
	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/record"
	"github.com/tidegate/tidegate/analytics/schema"
	"github.com/tidegate/tidegate/analytics/value"
)

// BenchmarkFilter is for tuning the decode → filter → project path (figures are claimed only
// from tidegate bench).
func BenchmarkFilter(b *testing.B) {
	cat := &schema.Map{}
	p := plan.New(cat)
	st, _ := parser.ParseStatement(`CREATE STREAM readings (device STRING, temp DOUBLE, hum DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts')`)
	src, _ := p.Plan(st, plan.Continuous)
	cat.Add(src.(*schema.Source))
	st, _ = parser.ParseStatement("SELECT device, temp FROM readings WHERE temp > 25 AND device LIKE 'dev-1%'")
	pl, err := p.Plan(st, plan.History)
	if err != nil {
		b.Fatal(err)
	}
	in := &sliceRecords{}
	for i := range 10000 {
		in.data = append(in.data, []byte(fmt.Sprintf(`{"device":"dev-%d","temp":%d.5,"hum":40.1,"ts":"2026-11-27T08:00:%02dZ","battery":97}`, i%100, 15+i%20, i%60)))
		in.meta = append(in.meta, record.Meta{})
	}
	b.ResetTimer()
	b.ReportAllocs()
	for b.Loop() {
		in.i = 0
		if _, err := Run(context.Background(), pl.(*plan.Query), p.Limits, []Records{in}, time.Now(), func(value.Row) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(in.data))/b.Elapsed().Seconds(), "rows/s")
}
