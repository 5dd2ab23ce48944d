package kinesisapi_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/tidegate/tidegate/gateway/api/kinesisapi"
	"github.com/tidegate/tidegate/shards"
)

// The gateway routes Kinesis requests to an API over its store; any AWS SDK
// then works against it.
func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	store, err := shards.Open(dir, shards.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	api := &kinesisapi.API{Store: store}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{$}", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("X-Amz-Target"), "Kinesis_20131202.") {
			api.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	client := sdk.New(sdk.Options{BaseEndpoint: aws.String(srv.URL), Region: "us-east-1", Credentials: aws.AnonymousCredentials{}})
	ctx := context.Background()
	if _, err := client.CreateStream(ctx, &sdk.CreateStreamInput{StreamName: aws.String("sensors"), ShardCount: aws.Int32(2)}); err != nil {
		log.Fatal(err)
	}
	put, err := client.PutRecord(ctx, &sdk.PutRecordInput{StreamName: aws.String("sensors"), PartitionKey: aws.String("device-7"), Data: []byte(`{"t":21.5}`)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(*put.ShardId)
	// Output: shardId-000000000000
}
