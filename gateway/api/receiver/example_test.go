package receiver_test

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/tidegate/tidegate/gateway/api/receiver"
	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/endpoint"
)

// A hub accepting the protocol with ParseRequest and WriteResponse, and an
// edge's sink delivering a batch to it.
func Example() {
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(endpoint.HeaderRequestID)
		req, err := receiver.ParseRequest(r, 8<<20)
		if err == nil && subtle.ConstantTimeCompare([]byte(req.AccessKey), []byte("field-key")) != 1 {
			err = &receiver.RequestError{Status: http.StatusUnauthorized, Reason: "bad access key"}
		}
		if err == nil {
			for _, rec := range req.Records {
				fmt.Printf("%s from %s, site %s\n", rec, req.SourceARN, req.CommonAttributes["site"])
			}
		}
		receiver.WriteResponse(w, id, err)
	}))
	defer hub.Close()

	sink, err := endpoint.New(endpoint.Config{
		URL:              hub.URL + "/firehose",
		AccessKey:        "field-key",
		Compression:      "gzip",
		CommonAttributes: map[string]string{"site": "north-field"},
	})
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
	// {"t":21.5} from arn:aws:firehose:local:000000000000:deliverystream/to-hub, site north-field
	// {"t":21.7} from arn:aws:firehose:local:000000000000:deliverystream/to-hub, site north-field
	// error: <nil>
}
