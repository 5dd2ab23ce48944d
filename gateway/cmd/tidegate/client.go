package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
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
}

func (c *clientFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.endpoint, "endpoint", defaultEndpoint(), "the gateway's URL ($TIDEGATE_ENDPOINT)")
	fs.StringVar(&c.region, "region", config.DefaultRegion, "region to sign requests for")
	fs.BoolVar(&c.json, "json", false, "print JSON for scripts instead of a table")
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

// client returns a Kinesis client for the gateway. Credentials come from
// TIDEGATE_ACCESS_KEY_ID / TIDEGATE_SECRET_ACCESS_KEY or the standard AWS
// variables; with none, requests go unsigned, which a gateway without
// access keys (loopback only) accepts.
func (c *clientFlags) client() *kinesis.Client {
	id, secret := os.Getenv("TIDEGATE_ACCESS_KEY_ID"), os.Getenv("TIDEGATE_SECRET_ACCESS_KEY")
	if id == "" {
		id, secret = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	}
	var creds aws.CredentialsProvider = aws.AnonymousCredentials{}
	if id != "" {
		creds = credentials.NewStaticCredentialsProvider(id, secret, os.Getenv("AWS_SESSION_TOKEN"))
	}
	return kinesis.New(kinesis.Options{
		BaseEndpoint: aws.String(strings.TrimSuffix(c.endpoint, "/")),
		Region:       c.region,
		Credentials:  creds,
	}, func(o *kinesis.Options) { o.HTTPClient = awsclient.ProtectBody(o.HTTPClient) })
}

// apiError shortens an SDK error to what the gateway said.
func apiError(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return fmt.Errorf("%s: %s", ae.ErrorCode(), ae.ErrorMessage())
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
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
