package transform

import (
	"errors"
	"testing"

	"github.com/tidegate/tidegate/uplink"
)

// FuzzParseResponse feeds the answer parser arbitrary bytes: it must fail
// cleanly or give exactly one valid result per record asked, in order.
func FuzzParseResponse(f *testing.F) {
	for _, seed := range []string{
		`{"records":[{"recordId":"rec-000","result":"Ok","data":"QQ=="},{"recordId":"rec-001","result":"Dropped"}]}`,
		`{"records":[{"recordId":"rec-001","result":"ProcessingFailed","data":"!!"},{"recordId":"rec-000","result":"Ok"}]}`,
		`{"records":[{"recordId":"rec-000","result":"Ok","data":"QQ=="},{"recordId":"rec-000","result":"Ok","data":"QQ=="}]}`,
		`{"records":[{"recordId":"x","result":"Ok","data":""},{"recordId":null},{}]}`,
		`{"records":[{"recordId":"rec-002","result":"Ok","data":"QUJD\nREVG"}],"extra":1}`,
		`{"records":null}`, `{"records":{}}`, `[]`, `null`, ``, `{"records":[1,"a",null]}`,
	} {
		f.Add([]byte(seed))
	}
	recs := testRecords("a", "b", "c")
	f.Fuzz(func(t *testing.T, body []byte) {
		res, problems, err := parseResponse(body, recs)
		if err != nil {
			if res != nil || problems != nil {
				t.Fatal("results with an error")
			}
			return
		}
		if len(res) != len(recs) {
			t.Fatalf("%d results for %d records", len(res), len(recs))
		}
		for i, r := range res {
			if r.RecordID != recs[i].RecordID {
				t.Fatalf("result %d for %q, want %q", i, r.RecordID, recs[i].RecordID)
			}
			switch r.Result {
			case uplink.ResultOk:
			case uplink.ResultDropped, uplink.ResultProcessingFailed:
				if r.Data != nil {
					t.Fatalf("result %s with data", r.Result)
				}
			default:
				t.Fatalf("result %q", r.Result)
			}
		}
	})
}

func TestChunks(t *testing.T) {
	recs := testRecords(make([]string, 25)...)
	r := recs[0]
	size := recordOverhead + len(r.RecordID) + len(r.ShardID) + len(r.PartitionKey) + len(r.Sequence)
	for _, tc := range []struct {
		name                string
		maxRecords, payload int
		want                []int
	}{
		{"one", 100, 1 << 20, []int{25}},
		{"by records", 10, 1 << 20, []int{10, 10, 5}},
		{"by payload", 100, eventOverhead + 4*size, []int{4, 4, 4, 4, 4, 4, 1}},
		{"each alone when too big", 100, 1, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []int
			for _, c := range chunks(recs, tc.maxRecords, tc.payload) {
				got = append(got, len(c))
			}
			if len(got) != len(tc.want) {
				t.Fatalf("chunks %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("chunks %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// A record the answer fails carries the code Firehose gives it.
func TestResponseCodes(t *testing.T) {
	recs := testRecords("a", "b", "c", "d", "e")
	body := `{"records":[
		{"recordId":"` + recs[0].RecordID + `","result":"ProcessingFailed"},
		{"recordId":"` + recs[1].RecordID + `","result":"Ok","data":"QQ=="},
		{"recordId":"` + recs[1].RecordID + `","result":"Ok","data":"QQ=="},
		{"recordId":"` + recs[2].RecordID + `","result":"Maybe"},
		{"recordId":"` + recs[3].RecordID + `","result":"Ok","data":"!!"}]}`
	res, _, err := parseResponse([]byte(body), recs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{uplink.CodeProcessingFailed, uplink.CodeDuplicatedRecordID, uplink.CodeJSONProcessing, uplink.CodeJSONProcessing, uplink.CodeMissingRecordID}
	for i, r := range res {
		if r.Result != uplink.ResultProcessingFailed || r.Code != want[i] {
			t.Errorf("record %d: %s %q, want ProcessingFailed %q", i, r.Result, r.Code, want[i])
		}
	}
	_, _, err = parseResponse([]byte(`{"no":"records"}`), recs)
	var coded interface{ ErrorCode() string }
	if !errors.As(err, &coded) || coded.ErrorCode() != uplink.CodeJSONProcessing {
		t.Errorf("an answer without records: %v, want %s", err, uplink.CodeJSONProcessing)
	}
}
