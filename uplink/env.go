package uplink

import (
	"log/slog"
)

// Env is what the gateway hands every destination and transform it builds,
// so that no plug-in needs to know the gateway.
type Env struct {
	// Delivery is the delivery's name.
	Delivery string
	// Logger is the gateway's, with the delivery's name.
	Logger *slog.Logger
	// Region and AccountID are the gateway's own (its Kinesis identity):
	// they name the delivery in a Firehose ARN.
	Region    string
	AccountID string
}

// DeliveryStreamARN names the delivery as Firehose names a delivery stream,
// for the HTTP endpoint protocol's source ARN and a transform event's
// deliveryStreamArn.
func (e Env) DeliveryStreamARN() string {
	return "arn:aws:firehose:" + e.Region + ":" + e.AccountID + ":deliverystream/" + e.Delivery
}
