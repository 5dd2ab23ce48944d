// Package putrecords sends a batch through an API that takes many records
// per call and answers record by record, as Firehose's PutRecordBatch and
// Kinesis's PutRecords do: it packs the batch into calls within the
// service's limits, lists the records a call that failed as a whole left
// unsent, and folds what failed into the answer Send gives the delivery
// engine.
//
// The service's limits, how it counts a record's size and which records
// it refuses outright are the destination's; so is the loop making the
// calls, as the order a destination keeps decides what it holds back
// after a failure.
package putrecords
