package firehoseapi_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/tidegate/tidegate/gateway/api/firehoseapi"
	"github.com/tidegate/tidegate/shards"
)

// A hub routes Firehose requests to an API over its store; producers then
// put records with any AWS SDK, and the records land in the delivery
// stream's backing stream.
func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	store, err := shards.Open(dir, shards.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	api := &firehoseapi.API{Store: store, DataDir: dir}
	if err := api.Initialize(); err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{$}", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("X-Amz-Target"), firehoseapi.TargetPrefix) {
			api.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	client := sdk.New(sdk.Options{BaseEndpoint: aws.String(srv.URL), Region: "us-east-1", Credentials: aws.AnonymousCredentials{}})
	ctx := context.Background()
	if _, err := client.CreateDeliveryStream(ctx, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("telemetry")}); err != nil {
		log.Fatal(err)
	}
	out, err := client.PutRecordBatch(ctx, &sdk.PutRecordBatchInput{DeliveryStreamName: aws.String("telemetry"),
		Records: []types.Record{{Data: []byte(`{"t":21.5}` + "\n")}, {Data: []byte(`{"t":21.7}` + "\n")}}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("failed:", *out.FailedPutCount)
	s, _ := store.Stream("telemetry")
	fmt.Println("stored:", s.Stats().RecordsIn)
	// Output:
	// failed: 0
	// stored: 2
}
