package kvsapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// post sends a request signed as the SDKs sign it.
func post(t *testing.T, ctx context.Context, url, path, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "POST", url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256([]byte(body))
	err = v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret}, req,
		hex.EncodeToString(sum[:]), "kinesisvideo", "eu-west-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// GetMedia from the earliest fragment streams every fragment with its
// tags, continuation token included, as one Matroska stream that ffprobe
// plays, and then waits for more; a continuation token picks up after
// the fragment that carried it.
func TestGetMedia(t *testing.T) {
	r := newRig(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	read := func(body string, fragments int) []byte {
		ctx, stop := context.WithCancel(ctx)
		defer stop()
		res := post(t, ctx, r.url, "/getMedia", body)
		defer res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "video/webm" {
			b, _ := io.ReadAll(res.Body)
			t.Fatalf("GetMedia: %d %v %s", res.StatusCode, res.Header, b)
		}
		var got []byte
		buf := make([]byte, 64<<10)
		for bytes.Count(got, []byte("AWS_KINESISVIDEO_CONTINUATION_TOKEN")) < fragments {
			n, err := res.Body.Read(buf)
			got = append(got, buf[:n]...)
			if err != nil {
				t.Fatalf("after %d bytes: %v", len(got), err)
			}
		}
		// The stream stays open for fragments to come.
		done := make(chan struct{})
		go func() {
			res.Body.Read(buf)
			close(done)
		}()
		select {
		case <-done:
			t.Error("GetMedia ended at the newest fragment")
		case <-time.After(300 * time.Millisecond):
		}
		return got
	}
	all := read(`{"StreamName":"cam","StartSelector":{"StartSelectorType":"EARLIEST"}}`, 5)
	path := filepath.Join(t.TempDir(), "media.mkv")
	if err := os.WriteFile(path, all, 0o600); err != nil {
		t.Fatal(err)
	}
	if codec, n := probeFrames(t, path); codec != "h264" || n != r.rec.Video {
		t.Errorf("GetMedia from the earliest: %s with %d frames of %d", codec, n, r.rec.Video)
	}
	i := bytes.Index(all, []byte("AWS_KINESISVIDEO_CONTINUATION_TOKEN"))
	if i < 0 || !bytes.Contains(all[i:i+60], []byte("2")) {
		t.Error("the first fragment's continuation token does not name the second")
	}
	rest := read(`{"StreamName":"cam","StartSelector":{"StartSelectorType":"CONTINUATION_TOKEN","ContinuationToken":"4"}}`, 2)
	if !bytes.Contains(rest, []byte("AWS_KINESISVIDEO_FRAGMENT_NUMBER")) || bytes.Count(rest, []byte("AWS_KINESISVIDEO_FRAGMENT_NUMBER")) != 2 {
		t.Error("a continuation token from fragment 4 did not give 4 and 5")
	}

	res := post(t, ctx, r.url, "/getMedia", `{"StreamName":"cam","StartSelector":{"StartSelectorType":"SOMETIME"}}`)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 400 || res.Header.Get("X-Amzn-Errortype") != "InvalidArgumentException" || !bytes.Contains(b, []byte("SOMETIME")) {
		t.Errorf("a bad selector: %d %v %s", res.StatusCode, res.Header, b)
	}
}
