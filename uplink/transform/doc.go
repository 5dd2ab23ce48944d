// Package transform runs a delivery's records through a transform that
// speaks the Amazon Data Firehose data-transformation contract — the event
// Firehose hands a Lambda function and the answer it expects back — so a
// function written for Firehose runs on the gateway unchanged, either behind
// an HTTP endpoint ([HTTP]) or as a long-lived local process ([Command]).
//
// The event is {"invocationId", "deliveryStreamArn", "region", "records":
// [{"recordId", "approximateArrivalTimestamp", "data" (base64),
// "kinesisRecordMetadata": {...}}]}; the answer is {"records": [{"recordId",
// "result": "Ok" | "Dropped" | "ProcessingFailed", "data" (base64)}]}.
//
// Answers are checked record by record, as Firehose checks them: a record
// answered with an unknown result, bad base64, Ok without data, or answered
// twice, and a record not answered at all, is ProcessingFailed; answers for
// record ids that were not asked are ignored. Each such problem is logged (a
// warning per invocation, with the first reasons). An answer that is not
// the JSON above at all, a non-200 status, a timeout or a dead process
// fails the whole call: the delivery retries it.
package transform
