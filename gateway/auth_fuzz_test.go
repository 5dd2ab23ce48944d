package gateway

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tidegate/tidegate/gateway/config"
)

// FuzzGatewayAuth: no Authorization header, query or body panics the check of the
// gateway's own routes, and only the configured token itself opens them: a prefix, a
// longer string or another scheme does not.
func FuzzGatewayAuth(f *testing.F) {
	for _, s := range []struct{ authz, query, body string }{
		{"Bearer " + testToken, "", ""},
		{"bearer   " + testToken + " ", "", ""},
		{"Bearer " + testToken[:len(testToken)-1], "", ""},
		{"Bearer", "", ""},
		{"Basic dXNlcjpwYXNz", "", ""},
		{"AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/tidegate/aws4_request, SignedHeaders=host, Signature=00", "", "{}"},
		{"", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00&X-Amz-Credential=AKIDTEST%2F20260101%2Fus-east-1%2Ftidegate%2Faws4_request", ""},
		{"AWS4-", "%zz", "x"},
	} {
		f.Add(s.authz, s.query, s.body)
	}
	var a authenticator
	cfg := config.Default()
	cfg.Auth.AccessKeys = []config.AccessKey{{ID: testKeyID, Secret: config.NewSecret(testKeySecret)}}
	cfg.Auth.Tokens = []config.Token{{Secret: config.NewSecret(testToken)}}
	a.set(cfg)
	h := a.requireAuth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	f.Fuzz(func(t *testing.T, authz, query, body string) {
		r := httptest.NewRequest("POST", "/api/v1/deliveries", strings.NewReader(body))
		r.URL.RawQuery = query
		r.Header.Set("Authorization", authz)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		scheme, token, _ := strings.Cut(authz, " ")
		valid := strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(token) == testToken
		if want := map[bool]int{true: http.StatusOK, false: http.StatusUnauthorized}[valid]; w.Code != want {
			t.Fatalf("Authorization %q, query %q: %d %s", authz, query, w.Code, w.Body)
		}
	})
}
