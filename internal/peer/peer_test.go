package peer

import (
	"net/http"
	"testing"
)

func TestKinesaliteAndS3rverListen(t *testing.T) {
	for name, start := range map[string]func(testing.TB) string{
		"kinesalite": Kinesalite,
		"s3rver":     func(t testing.TB) string { return S3rver(t, "b") },
	} {
		t.Run(name, func(t *testing.T) {
			url := start(t)
			resp, err := http.Get(url + "/")
			if err != nil {
				t.Fatalf("%s at %s: %v", name, url, err)
			}
			resp.Body.Close()
		})
	}
}
