package transform

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tidegate/tidegate/uplink"
)

// response is the answer a transform gives. Pointers tell a missing field
// from an empty one.
type response struct {
	Records *[]struct {
		RecordID *string `json:"recordId"`
		Result   *string `json:"result"`
		Data     *string `json:"data"`
	} `json:"records"`
}

// problem is an answer that broke the contract.
type problem struct {
	RecordID string
	Reason   string
}

// parseResponse reads an answer to the event for recs. It returns one
// result per record of recs, in their order: what the transform said, or
// ProcessingFailed where the answer broke the contract (listed in
// problems, as are answers for ids that were not asked). An error means
// the answer as a whole is not the contract's JSON.
func parseResponse(body []byte, recs []uplink.TransformRecord) ([]uplink.TransformResult, []problem, error) {
	var resp response
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, nil, coded(uplink.CodeJSONProcessing, fmt.Errorf("answer is not the response JSON: %w", err))
	}
	if resp.Records == nil {
		return nil, nil, coded(uplink.CodeJSONProcessing, errors.New(`answer has no "records"`))
	}

	index := make(map[string]int, len(recs))
	for i, r := range recs {
		index[r.RecordID] = i
	}
	results := make([]uplink.TransformResult, len(recs))
	answers := make([]int, len(recs))
	var problems []problem
	failed := func(i int, code, reason string) {
		results[i] = uplink.TransformResult{RecordID: recs[i].RecordID, Result: uplink.ResultProcessingFailed, Code: code,
			Message: "the transform's answer broke the contract: " + reason}
		problems = append(problems, problem{RecordID: recs[i].RecordID, Reason: reason})
	}
	for _, a := range *resp.Records {
		if a.RecordID == nil {
			problems = append(problems, problem{Reason: "an answer without recordId"})
			continue
		}
		i, ok := index[*a.RecordID]
		switch {
		case !ok:
			problems = append(problems, problem{RecordID: *a.RecordID, Reason: "recordId was not in the event"})
			continue
		case answers[i] > 0:
			// Which of two answers is meant cannot be told.
			if answers[i]++; answers[i] == 2 {
				failed(i, uplink.CodeDuplicatedRecordID, "answered more than once")
			}
			continue
		}
		answers[i]++
		switch {
		case a.Result == nil:
			failed(i, uplink.CodeJSONProcessing, "result missing")
		case *a.Result == uplink.ResultOk:
			if a.Data == nil {
				failed(i, uplink.CodeJSONProcessing, "result Ok without data")
				continue
			}
			data, err := base64.StdEncoding.DecodeString(*a.Data)
			if err != nil {
				failed(i, uplink.CodeJSONProcessing, fmt.Sprintf("data is not base64: %v", err))
				continue
			}
			results[i] = uplink.TransformResult{RecordID: recs[i].RecordID, Result: uplink.ResultOk, Data: data}
		case *a.Result == uplink.ResultDropped:
			results[i] = uplink.TransformResult{RecordID: recs[i].RecordID, Result: *a.Result}
		case *a.Result == uplink.ResultProcessingFailed:
			results[i] = uplink.TransformResult{RecordID: recs[i].RecordID, Result: *a.Result, Code: uplink.CodeProcessingFailed,
				Message: "the transform returned ProcessingFailed"}
		default:
			failed(i, uplink.CodeJSONProcessing, fmt.Sprintf("result %.40q is not Ok, Dropped or ProcessingFailed", *a.Result))
		}
	}
	for i := range recs {
		if answers[i] == 0 {
			failed(i, uplink.CodeMissingRecordID, "not answered")
		}
	}
	return results, problems, nil
}

// codedError is a failed call with the Firehose error code its records
// carry when no retry helps.
type codedError struct {
	code string
	err  error
}

func coded(code string, err error) error { return &codedError{code: code, err: err} }
func (e *codedError) Error() string      { return e.err.Error() }
func (e *codedError) Unwrap() error      { return e.err }
func (e *codedError) ErrorCode() string  { return e.code }
