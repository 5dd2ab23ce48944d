package transform_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/transform"
)

// A transform endpoint written to the Firehose contract, here in Go: it
// upper-cases readings and drops the ones marked "test".
func ExampleHTTP() {
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var event struct {
			Records []struct {
				RecordID string `json:"recordId"`
				Data     []byte `json:"data"`
			} `json:"records"`
		}
		_ = json.NewDecoder(r.Body).Decode(&event)
		type answer struct {
			RecordID string `json:"recordId"`
			Result   string `json:"result"`
			Data     []byte `json:"data"`
		}
		var out struct {
			Records []answer `json:"records"`
		}
		for _, rec := range event.Records {
			a := answer{RecordID: rec.RecordID, Result: "Ok", Data: bytes.ToUpper(rec.Data)}
			if bytes.Contains(rec.Data, []byte("test")) {
				a = answer{RecordID: rec.RecordID, Result: "Dropped"}
			}
			out.Records = append(out.Records, a)
		}
		_ = json.NewEncoder(w).Encode(out)
	}))
	defer fn.Close()

	tr, err := transform.NewHTTP(transform.HTTPConfig{URL: fn.URL})
	if err != nil {
		panic(err)
	}
	defer tr.Close()
	res, err := tr.Transform(context.Background(), "to-cloud", []uplink.TransformRecord{
		{RecordID: "1", Data: []byte("temperature 21.5"), ShardID: "shardId-000000000000"},
		{RecordID: "2", Data: []byte("test reading"), ShardID: "shardId-000000000000"},
	})
	if err != nil {
		panic(err)
	}
	for _, r := range res {
		fmt.Printf("%s %s %q\n", r.RecordID, r.Result, r.Data)
	}
	// Output:
	// 1 Ok "TEMPERATURE 21.5"
	// 2 Dropped ""
}
