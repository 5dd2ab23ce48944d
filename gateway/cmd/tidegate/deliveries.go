package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/tidegate/tidegate/uplink"
)

const deliveriesUsage = `usage: tidegate deliveries ls [--endpoint URL] [--json]
       tidegate deliveries show NAME
       tidegate deliveries create FILE        (one delivery, YAML or JSON, as under deliveries:)
       tidegate deliveries pause|resume|rm NAME`

// deliveryView is a delivery as GET /api/v1/deliveries shows it.
type deliveryView struct {
	uplink.Status
	Origin string `json:"origin"`
}

// runDeliveries lists and manages the deliveries of a running gateway through its
// REST API. Changes are signed (SigV4, service "tidegate") with the same credentials
// as the Kinesis commands, when there are any.
func runDeliveries(args []string) error {
	if len(args) == 0 {
		return usageErrorf("%s", deliveriesUsage)
	}
	verb, rest := args[0], args[1:]
	var c clientFlags
	fs := newFlagSet("deliveries "+verb, "[--endpoint URL] [--json]")
	c.register(fs)
	pos, err := parseArgs(fs, rest)
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(c.endpoint, "/") + "/api/v1/deliveries"
	arg := func() (string, error) {
		if len(pos) != 1 {
			return "", usageErrorf("%s", deliveriesUsage)
		}
		return pos[0], nil
	}
	switch verb {
	case "ls":
		var body struct {
			Deliveries []deliveryView `json:"deliveries"`
		}
		if err := c.restCall("GET", base, nil, &body); err != nil {
			return err
		}
		if c.json {
			return printJSON(body.Deliveries)
		}
		return printDeliveries(body.Deliveries)
	case "show":
		name, err := arg()
		if err != nil {
			return err
		}
		var v deliveryView
		if err := c.restCall("GET", base+"/"+name, nil, &v); err != nil {
			return err
		}
		return printJSON(v)
	case "create":
		path, err := arg()
		if err != nil {
			return err
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var v deliveryView
		if err := c.restCall("POST", base, body, &v); err != nil {
			return err
		}
		fmt.Printf("delivery %s created (%s)\n", v.Name, v.State)
		return nil
	case "pause", "resume":
		name, err := arg()
		if err != nil {
			return err
		}
		var st uplink.Status
		if err := c.restCall("POST", base+"/"+name+"/"+verb, nil, &st); err != nil {
			return err
		}
		fmt.Printf("delivery %s %s\n", st.Name, st.State)
		return nil
	case "rm":
		name, err := arg()
		if err != nil {
			return err
		}
		if err := c.restCall("DELETE", base+"/"+name, nil, nil); err != nil {
			return err
		}
		fmt.Printf("delivery %s deleted\n", name)
		return nil
	}
	return usageErrorf("%s", deliveriesUsage)
}

func printDeliveries(ds []deliveryView) error {
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DELIVERY\tFROM\tTO\tSTATE\tDELIVERED\tBACKLOG\tBEHIND\tDEAD-LETTERED\tLAST ERROR")
	for _, d := range ds {
		behind := time.Duration(d.MillisBehindLatest) * time.Millisecond
		lastErr := d.LastError
		if len(lastErr) > 60 {
			lastErr = lastErr[:57] + "..."
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d (%s)\t%s\t%d\t%s\n", d.Name, strings.Join(d.From, ","), d.Destination, d.State,
			d.RecordsDelivered, d.BacklogRecords, byteCount(d.BacklogBytes), behind.Round(time.Millisecond), d.DeadLettered, lastErr)
	}
	return tw.Flush()
}

func byteCount(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// restCall sends a REST request, signed when credentials are set, and decodes the
// JSON answer into out (when not nil). An error status becomes an error with the
// gateway's message.
func (c *clientFlags) restCall(method, url string, body []byte, out any) error {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if id, secret := credentialsFromEnv(); id != "" {
		sum := sha256.Sum256(body)
		creds := aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "tidegate", c.region, time.Now()); err != nil {
			return err
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return fmt.Errorf("%s %s: %s", method, strings.TrimPrefix(url, c.endpoint), e.Error)
		}
		return fmt.Errorf("%s %s: %s", method, strings.TrimPrefix(url, c.endpoint), resp.Status)
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	return json.Unmarshal(data, out)
}

// credentialsFromEnv returns TIDEGATE_ACCESS_KEY_ID / TIDEGATE_SECRET_ACCESS_KEY, else
// the standard AWS variables.
func credentialsFromEnv() (id, secret string) {
	id, secret = os.Getenv("TIDEGATE_ACCESS_KEY_ID"), os.Getenv("TIDEGATE_SECRET_ACCESS_KEY")
	if id == "" {
		id, secret = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	}
	return id, secret
}
