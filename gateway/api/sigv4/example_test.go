package sigv4_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/tidegate/tidegate/gateway/api/sigv4"
)

// An API handler verifies the body it has read, and renders a refusal as AWS's JSON
// protocols do.
func ExampleVerifier_Verify() {
	v := &sigv4.Verifier{
		Keys:    map[string]string{"AKIDTIDEGATE0001": "secret"},
		Service: "kinesis",
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		body, err := io.ReadAll(r.Body)
		if err == nil {
			err = v.Verify(r, body)
		}
		if e := (*sigv4.Error)(nil); errors.As(err, &e) {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"__type": e.Type, "message": e.Message})
			return
		}
		// … dispatch on X-Amz-Target …
	})

	w := httptest.NewRecorder()
	handler.ServeHTTP(w, httptest.NewRequest("POST", "/", strings.NewReader(`{}`)))
	fmt.Print(w.Code, " ", w.Body.String())
	// Output: 400 {"__type":"IncompleteSignatureException","message":"Missing Authentication Token"}
}
