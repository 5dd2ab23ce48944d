package transform

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The test binary doubles as the command under test: run with
// TIDEGATE_TRANSFORM_TEST_CHILD set, it is a transform speaking the line
// protocol instead of running the tests.
const childEnv = "TIDEGATE_TRANSFORM_TEST_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case "upper":
		os.Exit(runUpperChild())
	case "exit":
		fmt.Fprintln(os.Stderr, "exiting at once")
		os.Exit(1)
	}
}

// runUpperChild is the command: one event per line in, one answer per line
// out.
func runUpperChild() int {
	fmt.Fprintln(os.Stderr, "upper child ready")
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriter(os.Stdout)
	for {
		line, err := in.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) == 0 {
			if err != nil {
				return 0 // EOF: the gateway is done with us
			}
			continue
		}
		answer, err := upperAnswer(line, func(data string) {
			switch {
			case strings.Contains(data, "crash"):
				os.Exit(3)
			case strings.Contains(data, "hang"):
				select {}
			case strings.Contains(data, "slow"):
				time.Sleep(2 * time.Second)
			case strings.Contains(data, "garbage"):
				fmt.Fprintln(out, "this is not JSON")
				out.Flush()
			}
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "bad event:", err)
			return 2
		}
		out.Write(answer)
		out.WriteByte('\n')
		out.Flush()
	}
}

var uuid4Re = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// upperAnswer checks an event against the Firehose data-transformation
// contract to the letter and answers it: data upper-cased, records holding
// "drop" Dropped, those holding "fail" ProcessingFailed. each sees every
// record's data first.
func upperAnswer(ev []byte, each func(data string)) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(ev, &top); err != nil {
		return nil, err
	}
	if len(top) != 4 || top["invocationId"] == nil || top["deliveryStreamArn"] == nil || top["region"] == nil || top["records"] == nil {
		return nil, fmt.Errorf("event keys: %s", ev[:min(len(ev), 200)])
	}
	var head struct {
		InvocationID, DeliveryStreamArn, Region string
	}
	if err := json.Unmarshal(ev, &head); err != nil {
		return nil, err
	}
	if !uuid4Re.MatchString(head.InvocationID) || !strings.HasPrefix(head.DeliveryStreamArn, "arn:aws:firehose:"+head.Region+":") || head.Region == "" {
		return nil, fmt.Errorf("event head %+v", head)
	}
	var recs []map[string]json.RawMessage
	if err := json.Unmarshal(top["records"], &recs); err != nil || len(recs) == 0 {
		return nil, fmt.Errorf("records: %v", err)
	}
	type answer struct {
		RecordID string `json:"recordId"`
		Result   string `json:"result"`
		Data     string `json:"data"`
	}
	var answers []answer
	for _, r := range recs {
		var rec struct {
			RecordID                    string
			ApproximateArrivalTimestamp *int64
			Data                        *string
			KinesisRecordMetadata       *struct {
				ShardID, PartitionKey, SequenceNumber string
				ApproximateArrivalTimestamp           int64
				SubsequenceNumber                     *int
			}
		}
		js, _ := json.Marshal(r)
		if len(r) != 4 || json.Unmarshal(js, &rec) != nil || rec.RecordID == "" || rec.ApproximateArrivalTimestamp == nil ||
			rec.Data == nil || rec.KinesisRecordMetadata == nil || rec.KinesisRecordMetadata.SubsequenceNumber == nil ||
			rec.KinesisRecordMetadata.ApproximateArrivalTimestamp != *rec.ApproximateArrivalTimestamp ||
			!strings.HasPrefix(rec.KinesisRecordMetadata.ShardID, "shardId-") {
			return nil, fmt.Errorf("record %s", js)
		}
		data, err := base64.StdEncoding.DecodeString(*rec.Data)
		if err != nil {
			return nil, fmt.Errorf("record %s: %v", rec.RecordID, err)
		}
		each(string(data))
		a := answer{RecordID: rec.RecordID, Result: "Ok", Data: base64.StdEncoding.EncodeToString(bytes.ToUpper(data))}
		switch {
		case bytes.Contains(data, []byte("drop")):
			a = answer{RecordID: rec.RecordID, Result: "Dropped"}
		case bytes.Contains(data, []byte("fail")):
			a = answer{RecordID: rec.RecordID, Result: "ProcessingFailed", Data: *rec.Data}
		}
		answers = append(answers, a)
	}
	return json.Marshal(map[string]any{"records": answers})
}
