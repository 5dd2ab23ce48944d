package receiver

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tidegate/tidegate/uplink/endpoint"
)

// WriteResponse answers a request: 200 when err is nil, else the status of
// a *RequestError (500 for any other error), with the protocol's body
// (requestId, timestamp, and errorMessage on failure). requestID is the
// request's X-Amz-Firehose-Request-Id, also when ParseRequest refused it.
func WriteResponse(w http.ResponseWriter, requestID string, err error) {
	status := http.StatusOK
	var body struct {
		RequestID    string `json:"requestId"`
		Timestamp    int64  `json:"timestamp"`
		ErrorMessage string `json:"errorMessage,omitempty"`
	}
	body.RequestID = requestID
	if !utf8.ValidString(requestID) || len(requestID) > maxRequestIDLen {
		body.RequestID = ""
	}
	body.Timestamp = time.Now().UnixMilli()
	if err != nil {
		status = http.StatusInternalServerError
		var re *RequestError
		if errors.As(err, &re) {
			status = re.Status
		}
		body.ErrorMessage = truncateRunes(err.Error(), endpoint.MaxErrorMessageLen)
	}
	js, _ := json.Marshal(body) // strings and an integer always marshal
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(js)))
	w.WriteHeader(status)
	_, _ = w.Write(js)
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for range n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}
