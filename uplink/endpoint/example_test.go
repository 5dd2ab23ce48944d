package endpoint_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/endpoint"
)

// A sink delivering a batch to an endpoint, which here only prints what the
// protocol carries (a Tidegate hub's receiver is gateway/api/receiver).
func Example() {
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			RequestID string `json:"requestId"`
			Records   []struct {
				Data []byte `json:"data"` // base64 on the wire
			} `json:"records"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, rec := range body.Records {
			fmt.Printf("%s from %s, key %s\n", rec.Data, r.Header.Get(endpoint.HeaderSourceARN), r.Header.Get(endpoint.HeaderAccessKey))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"requestId":%q,"timestamp":%d}`, body.RequestID, time.Now().UnixMilli())
	}))
	defer hub.Close()

	sink, err := endpoint.New(endpoint.Config{URL: hub.URL + "/firehose", AccessKey: "field-key"})
	if err != nil {
		panic(err)
	}
	defer sink.Close()
	err = sink.Send(context.Background(), &uplink.Batch{
		ID:       "0001",
		Delivery: "to-hub",
		Records:  []uplink.Record{{Data: []byte(`{"t":21.5}`)}, {Data: []byte(`{"t":21.7}`)}},
	})
	fmt.Println("error:", err)
	// Output:
	// {"t":21.5} from arn:aws:firehose:local:000000000000:deliverystream/to-hub, key field-key
	// {"t":21.7} from arn:aws:firehose:local:000000000000:deliverystream/to-hub, key field-key
	// error: <nil>
}
