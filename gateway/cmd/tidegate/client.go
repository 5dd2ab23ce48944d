package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/smithy-go"

	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/uplink/awsclient"
)

// clientFlags are the flags of every command that talks to a running gateway.
type clientFlags struct {
	endpoint, region string
	json             bool
	timeout          time.Duration
}

// defaultTimeout bounds one request to the gateway: a gateway that stopped answering
// (a board gone off the network mid-request) ends the command with an error instead of
// leaving it hanging.
const defaultTimeout = 30 * time.Second

func (c *clientFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.endpoint, "endpoint", defaultEndpoint(), "the gateway's URL ($TIDEGATE_ENDPOINT)")
	fs.StringVar(&c.region, "region", config.DefaultRegion, "region to sign requests for")
	fs.BoolVar(&c.json, "json", false, "print JSON for scripts instead of a table")
	fs.DurationVar(&c.timeout, "timeout", defaultTimeout, "how long one request to the gateway may take")
}

// defaultEndpoint is $TIDEGATE_ENDPOINT, else the local gateway's default listener.
func defaultEndpoint() string {
	if e := os.Getenv("TIDEGATE_ENDPOINT"); e != "" {
		return e
	}
	if a := os.Getenv("TIDEGATE_LISTEN_HTTP"); a != "" {
		return "http://" + a
	}
	return "http://" + config.DefaultHTTP
}

// client returns a Kinesis client for the gateway, signing with envCredentials; with
// none, requests go unsigned, which a gateway without credentials (loopback only)
// accepts.
func (c *clientFlags) client() *kinesis.Client {
	var provider aws.CredentialsProvider = aws.AnonymousCredentials{}
	if creds, ok := envCredentials(); ok {
		provider = credentials.StaticCredentialsProvider{Value: creds}
	}
	return kinesis.New(kinesis.Options{
		BaseEndpoint: aws.String(strings.TrimSuffix(c.endpoint, "/")),
		Region:       c.region,
		Credentials:  provider,
		HTTPClient:   awsclient.ProtectBody(&http.Client{Timeout: c.timeout}),
	})
}

// envCredentials returns TIDEGATE_ACCESS_KEY_ID / TIDEGATE_SECRET_ACCESS_KEY, else
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY with AWS_SESSION_TOKEN: temporary
// credentials are only valid signed together with their session token. false when
// neither pair is set.
func envCredentials() (aws.Credentials, bool) {
	if id := os.Getenv("TIDEGATE_ACCESS_KEY_ID"); id != "" {
		return aws.Credentials{AccessKeyID: id, SecretAccessKey: os.Getenv("TIDEGATE_SECRET_ACCESS_KEY")}, true
	}
	if id := os.Getenv("AWS_ACCESS_KEY_ID"); id != "" {
		return aws.Credentials{AccessKeyID: id, SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
			SessionToken: os.Getenv("AWS_SESSION_TOKEN")}, true
	}
	return aws.Credentials{}, false
}

// authorize signs a REST request (SigV4, service "tidegate") with envCredentials when
// there are any, else gives it $TIDEGATE_TOKEN as a bearer token when that is set.
func (c *clientFlags) authorize(req *http.Request, body []byte) error {
	if creds, ok := envCredentials(); ok {
		sum := sha256.Sum256(body)
		return v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "tidegate", c.region, time.Now())
	}
	if token := os.Getenv("TIDEGATE_TOKEN"); token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return nil
}

// restCall sends a REST request and decodes the JSON answer into out (when not nil).
// It is signed (SigV4, service "tidegate") with envCredentials when there are any,
// else it carries $TIDEGATE_TOKEN as a bearer token when that is set, else nothing,
// which a gateway without credentials accepts. An error status becomes an error with
// the gateway's message; an answer that cannot be read in full is an error too, even
// after a success status.
func (c *clientFlags) restCall(method, url string, body []byte, out any) error {
	what := method + " " + strings.TrimPrefix(url, strings.TrimSuffix(c.endpoint, "/"))
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if err := c.authorize(req, body); err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: c.timeout}).Do(req)
	if u := unreachable(err); u != nil {
		return u
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s: %s, reading the answer: %w", what, resp.Status, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return fmt.Errorf("%s: %s", what, e.Error)
		}
		return fmt.Errorf("%s: %s", what, resp.Status)
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// apiError shortens an SDK error to what the gateway said, or to one line when
// there was no gateway to say anything.
func apiError(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return fmt.Errorf("%s: %s", ae.ErrorCode(), ae.ErrorMessage())
	}
	if u := unreachable(err); u != nil {
		return u
	}
	return err
}

// unreachable returns "no gateway at URL: why" when err is a failure to connect
// (nothing listening, no such host, no route), nil otherwise: the SDK's own error
// is a retry trace that says "https response error" even for http.
func unreachable(err error) error {
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "dial" {
		return nil
	}
	where := "the endpoint"
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			where = u.Scheme + "://" + u.Host
		}
	}
	why := oe.Err.Error()
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		why = "connection refused"
	case errors.Is(err, syscall.ETIMEDOUT), oe.Timeout():
		why = "connection timed out"
	}
	return fmt.Errorf("no gateway at %s: %s", where, why)
}

// done reports a finished change: v as JSON with --json, else the line.
func (c *clientFlags) done(v any, format string, args ...any) error {
	if c.json {
		return printJSON(v)
	}
	_, err := fmt.Printf(format, args...)
	return err
}

// printJSON writes v as one line of JSON.
func printJSON(v any) error {
	return json.NewEncoder(os.Stdout).Encode(v)
}

// parseArgs parses flags that may come before, between or after positional
// arguments (`tidegate put sensors --key k DATA`), and returns the
// positional ones.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "-" || !strings.HasPrefix(args[0], "-") {
			pos = append(pos, args[0])
			args = args[1:]
		}
	}
}

// wantArgs checks the number of positional arguments.
func wantArgs(fs *flag.FlagSet, pos []string, min, max int) error {
	if len(pos) < min || len(pos) > max {
		fs.Usage()
		return errUsage
	}
	return nil
}
