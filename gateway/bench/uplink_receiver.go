package bench

import (
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/tidegate/tidegate/gateway/api/receiver"
	"github.com/tidegate/tidegate/uplink/endpoint"
)

// hubReceiver is a hub accepting the Firehose HTTP endpoint protocol on
// loopback: it parses every request as a real hub would (gunzip, JSON,
// base64), counts the records and answers 200. It runs in the benchmark's
// process, so its CPU and memory count against the drain, as they would on
// a gateway that is also a hub.
type hubReceiver struct {
	url string
	srv *http.Server

	records, bytes, wire, requests, refused atomic.Int64
}

// receiverCounts is what a hubReceiver has taken in.
type receiverCounts struct {
	records, bytes, wire, requests, refused int64
}

func startReceiver() (*hubReceiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rc := &hubReceiver{url: "http://" + ln.Addr().String() + "/"}
	rc.srv = &http.Server{Handler: rc, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := rc.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			rc.refused.Add(1) // surfaces as records missing at the end
		}
	}()
	return rc, nil
}

func (rc *hubReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get(endpoint.HeaderRequestID)
	req, err := receiver.ParseRequest(r, 0)
	if err != nil {
		rc.refused.Add(1)
		receiver.WriteResponse(w, id, err)
		return
	}
	n := 0
	for _, rec := range req.Records {
		n += len(rec)
	}
	rc.requests.Add(1)
	rc.records.Add(int64(len(req.Records)))
	rc.bytes.Add(int64(n))
	rc.wire.Add(max(r.ContentLength, 0))
	receiver.WriteResponse(w, id, nil)
}

func (rc *hubReceiver) counts() receiverCounts {
	return receiverCounts{
		records: rc.records.Load(), bytes: rc.bytes.Load(), wire: rc.wire.Load(),
		requests: rc.requests.Load(), refused: rc.refused.Load(),
	}
}

func (rc *hubReceiver) close() { rc.srv.Close() }
