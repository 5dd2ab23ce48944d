package uplink

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
)

// brokenTransform cannot be called: every call fails, until fixed.
type brokenTransform struct {
	calls   atomic.Int32
	retries int
	fixed   atomic.Bool
}

func (b *brokenTransform) Transform(_ context.Context, _ string, recs []TransformRecord) ([]TransformResult, error) {
	b.calls.Add(1)
	if !b.fixed.Load() {
		return nil, errors.New("connection refused")
	}
	out := make([]TransformResult, len(recs))
	for i, r := range recs {
		out[i] = TransformResult{RecordID: r.RecordID, Result: ResultOk, Data: r.Data}
	}
	return out, nil
}

func (b *brokenTransform) Retries() int { return b.retries }
func (b *brokenTransform) Close() error { return nil }

// errorRecords reads the dead-letter stream's error records.
func errorRecords(t *testing.T, f *fixture) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range readAll(t, f.store, DefaultDeadLetter) {
		var e map[string]any
		if err := json.Unmarshal(r.Data, &e); err != nil {
			t.Fatalf("error record %q: %v", r.Data, err)
		}
		out = append(out, e)
	}
	return out
}

// A transform that cannot be called is called again as many times as its
// retries, as Firehose calls a Lambda function again, and then its records
// go to the dead-letter stream as processing-failed with Firehose's code:
// the delivery does not stall for its retry duration (24 h here) and goes
// on with the next records.
func TestTransformThatCannotBeCalledGivesUpAfterItsRetries(t *testing.T) {
	sink := &memSink{}
	f := newFixture(t, sink)
	tr := &brokenTransform{retries: 2}
	f.m.NewTransform = func(context.Context, Spec) (Transformer, error) { return tr, nil }
	s := f.stream("src", 1)
	put(t, s, 0, 5, 1)
	sp := spec("d", "src")
	sp.Transform = "broken"
	sp.RetryDuration = DefaultRetryDuration
	if err := f.m.Create(context.Background(), sp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "5 records dead-lettered", func() bool { st, _ := f.m.Status("d"); return st.DeadLettered == 5 })
	if n := tr.calls.Load(); n != 3 {
		t.Errorf("%d calls, want 3: the first and 2 retries", n)
	}
	errs := errorRecords(t, f)
	if len(errs) != 5 {
		t.Fatalf("%d error records", len(errs))
	}
	raw, _ := base64.StdEncoding.DecodeString(errs[0]["rawData"].(string))
	if errs[0]["errorCode"] != CodeFunctionError || errs[0]["attemptsMade"].(float64) != 3 || string(raw) != "k0-0" {
		t.Errorf("error record %v", errs[0])
	}
	tr.fixed.Store(true)
	put(t, s, 5, 3, 1)
	eventually(t, "the next records delivered", func() bool { return len(sink.records()) == 3 })
}

// The default is Firehose's: three retries.
func TestTransformRetriesDefault(t *testing.T) {
	sink := &memSink{}
	f := newFixture(t, sink)
	var calls atomic.Int32
	f.m.NewTransform = func(context.Context, Spec) (Transformer, error) {
		return transformFunc(func([]TransformRecord) ([]TransformResult, error) {
			calls.Add(1)
			return nil, errors.New("down")
		}), nil
	}
	s := f.stream("src", 1)
	put(t, s, 0, 1, 1)
	sp := spec("d", "src")
	sp.Transform = "down"
	if err := f.m.Create(context.Background(), sp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the record dead-lettered", func() bool { st, _ := f.m.Status("d"); return st.DeadLettered == 1 })
	if n := calls.Load(); n != 1+DefaultTransformRetries || DefaultTransformRetries != 3 {
		t.Errorf("%d calls with %d retries, want 4 with 3", n, DefaultTransformRetries)
	}
}

type transformFunc func([]TransformRecord) ([]TransformResult, error)

func (fn transformFunc) Transform(_ context.Context, _ string, recs []TransformRecord) ([]TransformResult, error) {
	return fn(recs)
}
func (transformFunc) Close() error { return nil }

// Records a transform fails carry Firehose's error codes.
func TestTransformFailuresCarryFirehoseCodes(t *testing.T) {
	f := newFixture(t, &memSink{})
	f.m.NewTransform = func(context.Context, Spec) (Transformer, error) { return upperTransform{}, nil }
	s := f.stream("src", 1)
	put(t, s, 0, 4, 1) // k0-0 Ok, k0-1 Dropped, k0-2 ProcessingFailed, k0-3 not answered
	sp := spec("d", "src")
	sp.Transform = "upper"
	if err := f.m.Create(context.Background(), sp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "2 dead-lettered", func() bool { st, _ := f.m.Status("d"); return st.DeadLettered == 2 })
	codes := map[string]string{}
	for _, e := range errorRecords(t, f) {
		raw, _ := base64.StdEncoding.DecodeString(e["rawData"].(string))
		codes[string(raw)] = e["errorCode"].(string)
	}
	if codes["k0-2"] != "Lambda.ProcessingFailedStatus" || codes["k0-3"] != "Lambda.MissingRecordId" {
		t.Errorf("codes %v", codes)
	}
}
