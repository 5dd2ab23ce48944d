package transform

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/tidegate/tidegate/uplink"
)

// invokeFunc hands one event (one line of JSON) for chunk to the transform
// and reads its answer with parseResponse.
type invokeFunc func(ctx context.Context, event []byte, chunk []uplink.TransformRecord) ([]uplink.TransformResult, []problem, error)

// run is Transform for both kinds: it splits recs into invocations, invokes
// them one after another and checks the answers. Any invocation failing
// fails the call (the delivery retries the batch).
func run(ctx context.Context, cfg Invocation, log *slog.Logger, delivery string, recs []uplink.TransformRecord, invoke invokeFunc) ([]uplink.TransformResult, error) {
	seen := make(map[string]struct{}, len(recs))
	for _, r := range recs {
		if _, dup := seen[r.RecordID]; dup {
			return nil, fmt.Errorf("transform: record id %q given twice: answers could not be told apart", r.RecordID)
		}
		seen[r.RecordID] = struct{}{}
	}
	results := make([]uplink.TransformResult, 0, len(recs))
	arn := cfg.streamARN(delivery)
	for _, chunk := range chunks(recs, cfg.MaxRecords, cfg.MaxPayload) {
		id := newInvocationID()
		ev, err := encodeEvent(id, arn, cfg.Region, chunk)
		if err != nil {
			return nil, err
		}
		res, problems, err := invoke(ctx, ev, chunk)
		if err != nil {
			return nil, fmt.Errorf("transform: invocation %s: %w", id, err)
		}
		if len(problems) > 0 {
			logProblems(ctx, log, delivery, id, problems)
		}
		results = append(results, res...)
	}
	return results, nil
}

// logProblems reports answers that broke the contract: the records are
// ProcessingFailed, and the engine puts each record's Message in its error record; the
// log says it, once per invocation with the first few reasons.
func logProblems(ctx context.Context, log *slog.Logger, delivery, invocation string, problems []problem) {
	const shown = 5
	attrs := []slog.Attr{
		slog.String("delivery", delivery), slog.String("invocation_id", invocation),
		slog.Int("problems", len(problems)),
	}
	for i, p := range problems[:min(len(problems), shown)] {
		attrs = append(attrs, slog.String(fmt.Sprintf("problem_%d", i+1), fmt.Sprintf("record %q: %s", p.RecordID, p.Reason)))
	}
	log.LogAttrs(ctx, slog.LevelWarn, "transform answer broke the contract; those records are ProcessingFailed", attrs...)
}
