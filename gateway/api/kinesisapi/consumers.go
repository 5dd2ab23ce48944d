package kinesisapi

import (
	"encoding/base64"
	"errors"
	"net/http"
	"sort"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
	"github.com/tidegate/tidegate/shards"
)

// Consumers are registered synchronously, so they are ACTIVE at once.
const consumerActive = "ACTIVE"

type consumerOut struct {
	ConsumerName              string
	ConsumerARN               string
	ConsumerStatus            string
	ConsumerCreationTimestamp timestamp
}

func (a *API) consumerOut(stream string, c shards.Consumer) consumerOut {
	return consumerOut{ConsumerName: c.Name, ConsumerARN: a.consumerARN(stream, c),
		ConsumerStatus: consumerActive, ConsumerCreationTimestamp: timestamp{c.Created}}
}

type registerConsumerInput struct {
	StreamARN    string
	ConsumerName string
	Tags         map[string]string // accepted; consumers have no tags here
}

type registerConsumerOutput struct{ Consumer consumerOut }

func (a *API) registerConsumer(_ *http.Request, in *registerConsumerInput) (*registerConsumerOutput, error) {
	switch {
	case in.StreamARN == "":
		return nil, required("streamARN")
	case in.ConsumerName == "":
		return nil, required("consumerName")
	}
	if err := checkName("consumerName", in.ConsumerName); err != nil {
		return nil, err
	}
	s, err := a.stream(streamRef{StreamARN: in.StreamARN})
	if err != nil {
		return nil, err
	}
	c, err := s.RegisterConsumer(in.ConsumerName)
	switch {
	case errors.Is(err, shards.ErrExists):
		return nil, awsjson.NewError(errResourceInUse, "Consumer %s under stream %s already exists for account %s.", in.ConsumerName, s.Name(), a.account())
	case err != nil:
		return nil, a.streamError(s.Name(), err)
	}
	a.logger().Info("kinesis: consumer registered", "stream", s.Name(), "consumer", c.Name)
	return &registerConsumerOutput{Consumer: a.consumerOut(s.Name(), c)}, nil
}

func (a *API) deregisterConsumer(_ *http.Request, in *consumerRef) (*emptyOutput, error) {
	s, c, err := a.consumer(*in)
	if err != nil {
		return nil, err
	}
	if err := s.DeregisterConsumer(c.Name); err != nil && !errors.Is(err, shards.ErrNotFound) {
		return nil, a.streamError(s.Name(), err)
	}
	a.logger().Info("kinesis: consumer deregistered", "stream", s.Name(), "consumer", c.Name)
	return &emptyOutput{}, nil
}

type consumerDescription struct {
	ConsumerName              string
	ConsumerARN               string
	ConsumerStatus            string
	ConsumerCreationTimestamp timestamp
	StreamARN                 string
}

type describeConsumerOutput struct{ ConsumerDescription consumerDescription }

func (a *API) describeConsumer(_ *http.Request, in *consumerRef) (*describeConsumerOutput, error) {
	s, c, err := a.consumer(*in)
	if err != nil {
		return nil, err
	}
	o := a.consumerOut(s.Name(), c)
	return &describeConsumerOutput{ConsumerDescription: consumerDescription{
		ConsumerName: o.ConsumerName, ConsumerARN: o.ConsumerARN, ConsumerStatus: o.ConsumerStatus,
		ConsumerCreationTimestamp: o.ConsumerCreationTimestamp, StreamARN: a.streamARN(s.Name()),
	}}, nil
}

type listConsumersInput struct {
	StreamARN               string
	MaxResults              *int32
	NextToken               string
	StreamCreationTimestamp *timestamp
}

type listConsumersOutput struct {
	Consumers []consumerOut
	NextToken string `json:",omitempty"`
}

func (a *API) listConsumers(_ *http.Request, in *listConsumersInput) (*listConsumersOutput, error) {
	if in.StreamARN == "" {
		return nil, required("streamARN")
	}
	max, err := limit("maxResults", in.MaxResults, 100, 10000)
	if err != nil {
		return nil, err
	}
	after := ""
	if in.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil || len(b) == 0 {
			return nil, awsjson.NewError(errInvalidArgument, "Invalid NextToken.")
		}
		after = string(b)
	}
	s, err := a.stream(streamRef{StreamARN: in.StreamARN})
	if err != nil {
		return nil, err
	}
	cs, err := s.Consumers()
	if err != nil {
		return nil, a.streamError(s.Name(), err)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
	out := &listConsumersOutput{Consumers: []consumerOut{}}
	for _, c := range cs {
		if c.Name <= after {
			continue
		}
		if len(out.Consumers) == int(max) {
			out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(out.Consumers[len(out.Consumers)-1].ConsumerName))
			break
		}
		out.Consumers = append(out.Consumers, a.consumerOut(s.Name(), c))
	}
	return out, nil
}
